import * as vscode from 'vscode';
import { MessageType, type LogMessageParams } from '../../../src/protocol/index.js';
import { AtollCommands } from './commands.js';
import { DaemonProcess } from './daemon-process.js';
import { watchResultLine } from './format.js';
import { readSettings } from './settings.js';
import { AtollStatusBar } from './status-bar.js';
import { daemonInitiatedProgress } from './with-progress.js';

let daemon: DaemonProcess | undefined;

const DAEMON_SETTINGS = ['atoll.daemonPath', 'atoll.daemonArgs', 'atoll.nodePath'];

function logTo(output: vscode.LogOutputChannel, { type, message }: LogMessageParams): void {
  if (type === MessageType.Error) output.error(message);
  else if (type === MessageType.Warning) output.warn(message);
  else if (type === MessageType.Info) output.info(message);
  else output.trace(message);
}

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('atoll', { log: true });
  const statusBar = new AtollStatusBar();
  const commands = new AtollCommands({ daemon: () => daemon ?? (daemon = createDaemon()), output, statusBar });

  // Started lazily by the first command: the daemon keeps warm worker pools, which cost memory.
  function createDaemon(): DaemonProcess {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return new DaemonProcess({
      command: readSettings(vscode.workspace.getConfiguration('atoll')).daemon,
      clientInfo: { name: 'atoll-vscode', version: String(context.extension.packageJSON.version) },
      ...(folder ? { cwd: folder } : {}),
      events: {
        stderr: (line) => output.info(line),
        logMessage: (params) => logTo(output, params),
        watchResult: (result) => {
          output.info(watchResultLine(result));
          if (result.report) statusBar.showResult(result.report, watchResultLine(result));
        },
        state: (state, detail) => {
          output.info(`daemon ${state}: ${detail}`);
          statusBar.showDaemonState(state, detail);
        },
        restarted: () => void commands.rewatchAfterRestart(),
        serverProgress: daemonInitiatedProgress(),
      },
    });
  }

  context.subscriptions.push(
    output,
    statusBar,
    ...commands.register(),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!daemon || !DAEMON_SETTINGS.some((key) => event.affectsConfiguration(key))) return;
      // The next command starts a daemon with the new command line.
      const old = daemon;
      daemon = undefined;
      await old.stop();
    }),
  );
}

export async function deactivate(): Promise<void> {
  await daemon?.stop();
  daemon = undefined;
}
