import { CancellationTokenSource } from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorCode } from '../../protocol/errors.js';
import type { OptimizeOptions } from '../../protocol/options.js';
import type { FunctionVerdict, OptimizeReport } from '../../protocol/report.js';
import type { WatchBuildSummary, WatchCause, WatchResultParams } from '../../protocol/watch.js';
import type { IncrementalBase, OptimizedModule, QuickRebuild } from '../../engine/engine.js';
import type { Daemon } from '../daemon.js';
import { JobProgress } from '../job-progress.js';
import { optimizeJob } from '../optimize-job.js';
import { checkOutputPath } from '../output-file.js';
import { toResponseError } from '../response-error.js';
import type { Session } from '../session.js';
import type { OutputPlan, OwnOutputs } from './outputs.js';

export type RebuildResult = Omit<WatchResultParams, 'watchId'>;

/** How the output of a rebuild was made (what a quick rebuild of the next content replays). */
export type Lineage = NonNullable<OptimizedModule['lineage']>;

/** A rebuild's result to notify, and how its output was made (absent when the result cache answered). */
export interface Rebuilt {
  result: RebuildResult;
  lineage?: Lineage;
  incremental?: IncrementalBase;
}

/** The numbers of one rebuild, from its report. */
export function summarize(report: OptimizeReport): WatchBuildSummary {
  const verdicts: FunctionVerdict[] = [...(report.verification?.functions ?? []), ...(report.rejected ?? [])];
  const reused = report.cached ? verdicts.length : verdicts.filter((verdict) => verdict.cached).length;
  const totals = report.verification?.totals;
  return {
    inputBytes: report.input.bytes,
    outputBytes: report.output.bytes,
    verifiedStatus: report.verifiedStatus,
    proved: totals?.proved ?? 0,
    unknown: totals?.unknown ?? 0,
    refuted: totals?.refuted ?? 0,
    reused,
    verified: verdicts.length - reused,
    fromResultCache: report.cached,
  };
}

/**
 * A watch's rebuilds: each is an optimize job of the watch's client through the same path as
 * `atoll/optimize` (output checked first, fair queue, engine, caches, atomic write), with progress under a
 * token of the daemon's own when the client accepts one. Each written output's content is remembered, so the
 * write is not taken for an input.
 */
export class Rebuilder {
  private readonly cancellation = new CancellationTokenSource();
  private nextToken = 1;

  constructor(
    private readonly daemon: Daemon,
    private readonly session: Session,
    private readonly watchId: string,
    private readonly options: OptimizeOptions,
    private readonly plan: OutputPlan,
    private readonly own: OwnOutputs,
  ) {}

  /**
   * The result to notify and how the output was made (absent when the result cache answered), or undefined
   * when the watch stopped while this rebuild ran. With `quick`, a quick rebuild (Engine.incremental or
   * Engine.replay), unless the result cache holds the final answer. `started`: when the content settled.
   * `stop`: the content changed again; a search stopped by it is not reported either (undefined).
   */
  async build(
    path: string,
    cause: WatchCause,
    bytes: Uint8Array,
    started: number,
    { quick, stop }: { quick?: QuickRebuild; stop?: AbortSignal } = {},
  ): Promise<Rebuilt | undefined> {
    const ms = () => Math.round(performance.now() - started);
    const outputPath = this.plan.outputFor(path);
    try {
      // Outputs in an output folder mirror the watched tree: its folders are made as needed. A full rebuild
      // checks its output path first, a quick one while it runs (see OptimizeJob.output; its failure still
      // comes out of the job, as the rebuild's error).
      const target = checkOutputPath(outputPath, { inputPath: path, createDirectories: true });
      target.catch(() => undefined);
      const output = quick ? target : await target;
      const { connection, clientCapabilities } = this.session;
      const token = `atoll-watch-${this.watchId}-${this.nextToken++}`;
      const progress = await JobProgress.create(connection, clientCapabilities.window?.workDoneProgress === true, token);
      const { report, lineage, incremental } = await optimizeJob(
        { daemon: this.daemon, session: this.session, kind: 'optimize', progress, cancellation: this.cancellation.token, logPrefix: `${path}: `, title: `atoll rebuild ${path}` },
        { input: bytes, options: this.options, output, beforeWrite: (report) => this.own.remember(outputPath, report.output.sha256), ...(quick ? { quick } : {}), ...(stop ? { stop } : {}) },
      );
      if (this.cancellation.token.isCancellationRequested) return undefined;
      const stage = quick && !report.cached ? 'quick' : 'final';
      return { result: { path, cause, stage, ms: ms(), outputPath, summary: summarize(report), report }, ...(lineage ? { lineage } : {}), ...(incremental ? { incremental } : {}) };
    } catch (error) {
      const answer = toResponseError(error, (line) => this.session.log(`watch ${path}: ${line}`));
      if ((this.cancellation.token.isCancellationRequested || stop?.aborted) && answer.code === ErrorCodes.RequestCancelled) return undefined;
      return { result: { path, cause, stage: quick ? 'quick' : 'final', ms: ms(), error: { code: answer.code as ErrorCode, message: answer.message } } };
    }
  }

  /**
   * After an input's first build: an incremental rebuild of its output rehearsed while nobody waits
   * (Engine.rehearseIncremental), so that the first edit's quick answer does not wait on V8. Bounded in time,
   * so it is not cancelled (that would end a worker thread); a failure is only logged.
   */
  rehearse(path: string, base: IncrementalBase): void {
    this.daemon.engine.rehearseIncremental(base).then(() => undefined, (error: unknown) => {
      this.session.log(`watch ${path}: incremental rehearsal failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** Cancels queued and running rebuilds; their results are not reported. */
  stop(): void {
    this.cancellation.cancel();
  }
}
