import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import {
  OptimizeRequest,
  VerifyRequest,
  WatchStartRequest,
  WatchStopRequest,
  type WatchStartParams,
} from '../../../src/protocol/index.js';
import type { DaemonProcess } from './daemon-process.js';
import { errorMessage, isCancellation, optimizeSummary, verifyDetails, verifySummary } from './format.js';
import { orderPair, pickWasm, selectedPair, wasmTarget } from './pick-wasm.js';
import { optimizeParams, outputPathFor, verifyParams, watchParams } from './requests.js';
import { readSettings, type ClientSettings } from './settings.js';
import type { AtollStatusBar } from './status-bar.js';
import { withDaemonProgress } from './with-progress.js';

export interface CommandContext {
  daemon(): DaemonProcess;
  output: vscode.LogOutputChannel;
  statusBar: AtollStatusBar;
}

function settings(): ClientSettings {
  return readSettings(vscode.workspace.getConfiguration('atoll'));
}

function workspaceRootOf(uri: vscode.Uri): string | undefined {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
}

/**
 * The commands. Each one reports failure in a notification and the output channel, and never throws into
 * VS Code: a failed request leaves the extension and the daemon usable.
 */
export class AtollCommands {
  /** Watches this window asked for, with the params to ask again after a daemon restart. */
  private readonly watches = new Map<string, WatchStartParams>();

  constructor(private readonly context: CommandContext) {}

  register(): vscode.Disposable[] {
    const commands: Record<string, (...args: never[]) => Promise<void>> = {
      'atoll.optimize': (uri?: vscode.Uri) => this.optimize(uri),
      'atoll.verify': (uri?: vscode.Uri, uris?: vscode.Uri[]) => this.verify(uri, uris),
      'atoll.watchStart': () => this.watchStart(),
      'atoll.watchStop': () => this.watchStop(),
      'atoll.restartDaemon': () => this.restartDaemon(),
      'atoll.showOutput': async () => this.context.output.show(true),
    };
    return Object.entries(commands).map(([name, run]) => vscode.commands.registerCommand(name, (...args: never[]) => this.guarded(name, () => run(...args))));
  }

  private async guarded(name: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (isCancellation(error)) {
        this.context.output.info(`${name}: cancelled`);
        return;
      }
      const message = errorMessage(error);
      this.context.output.error(`${name}: ${message}`);
      void vscode.window.showErrorMessage(`atoll: ${message}`, 'Show Output').then((choice) => choice && this.context.output.show(true));
    }
  }

  private async optimize(clicked: vscode.Uri | undefined): Promise<void> {
    const target = await wasmTarget(clicked, 'atoll: module to optimize');
    if (!target) return;
    const params = optimizeParams(target.fsPath, settings(), workspaceRootOf(target));
    const result = await withDaemonProgress(`atoll: optimizing ${vscode.workspace.asRelativePath(target)}`, (options) =>
      this.context.daemon().requestWithProgress(OptimizeRequest.type, params, options),
    );
    const summary = optimizeSummary(result.report, target.fsPath, result.outputPath);
    this.context.output.info(summary);
    this.context.statusBar.showResult(result.report, summary);
    void vscode.window.showInformationMessage(`atoll: ${summary}`);
  }

  private async verify(clicked: vscode.Uri | undefined, selected: vscode.Uri[] | undefined): Promise<void> {
    const pair = await this.pairToVerify(clicked, selected);
    if (!pair) return;
    const params = verifyParams(pair.base.fsPath, pair.candidate.fsPath, settings());
    const report = await withDaemonProgress(`atoll: verifying ${vscode.workspace.asRelativePath(pair.candidate)}`, (options) =>
      this.context.daemon().requestWithProgress(VerifyRequest.type, params, options),
    );
    const summary = verifySummary(report, pair.base.fsPath, pair.candidate.fsPath);
    this.context.output.info(summary);
    for (const line of verifyDetails(report)) this.context.output.info(`  ${line}`);
    const proved = report.totals.refuted === 0 && report.totals.unknown === 0 && report.module.accepted;
    const show = proved ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(`atoll: ${summary}`, 'Show Output').then((choice) => choice && this.context.output.show(true));
  }

  private async pairToVerify(clicked: vscode.Uri | undefined, selected: vscode.Uri[] | undefined) {
    const two = selectedPair(selected);
    if (two) return orderPair(...two);
    const base = await wasmTarget(clicked, 'atoll: base module (before optimization)');
    if (!base) return undefined;
    const expected = vscode.Uri.file(outputPathFor(base.fsPath, settings().output, workspaceRootOf(base)));
    const candidate = await pickWasm('atoll: candidate module (the optimized one)', existsSync(expected.fsPath) ? expected : undefined);
    return candidate ? { base, candidate } : undefined;
  }

  private async watchStart(): Promise<void> {
    const roots = (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath);
    const params = watchParams(roots, settings());
    await this.startWatch(params);
    void vscode.window.showInformationMessage(`atoll: watching ${params.paths.map((path) => vscode.workspace.asRelativePath(path)).join(', ')}`);
  }

  private async startWatch(params: WatchStartParams): Promise<void> {
    const { watchId, watching } = await this.context.daemon().request(WatchStartRequest.type, params);
    this.watches.set(watchId, params);
    this.context.output.info(`watch ${watchId}: ${watching.join(', ')}`);
  }

  private async watchStop(): Promise<void> {
    if (this.watches.size === 0) {
      void vscode.window.showInformationMessage('atoll: nothing is being watched');
      return;
    }
    for (const watchId of [...this.watches.keys()]) {
      await this.context.daemon().request(WatchStopRequest.type, { watchId });
      this.watches.delete(watchId);
      this.context.output.info(`watch ${watchId}: stopped`);
    }
  }

  /** A restarted daemon knows nothing of the old one's watches: ask for them again. */
  async rewatchAfterRestart(): Promise<void> {
    const previous = [...this.watches.values()];
    this.watches.clear();
    for (const params of previous) await this.guarded('atoll.watchStart', () => this.startWatch(params));
  }

  private async restartDaemon(): Promise<void> {
    const info = await this.context.daemon().restart();
    this.context.output.info(`daemon restarted: pid ${info.pid}`);
    await this.rewatchAfterRestart();
  }
}
