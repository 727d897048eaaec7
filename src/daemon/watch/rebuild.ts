import type { OptimizeOptions } from '../../protocol/options.js';
import { ErrorCodes, type ErrorCode } from '../../protocol/errors.js';
import { MessageType } from '../../protocol/progress.js';
import type { FunctionVerdict, OptimizeReport } from '../../protocol/report.js';
import type { WatchBuildSummary, WatchResultParams } from '../../protocol/watch.js';
import type { Daemon } from '../daemon.js';
import type { SubmittedJob } from '../job-queue.js';
import { writeOutput } from '../module-io.js';
import { toResponseError } from '../response-error.js';
import type { Session } from '../session.js';
import type { OutputPlan, OwnOutputs } from './outputs.js';

export type RebuildResult = Omit<WatchResultParams, 'watchId'>;

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
 * Runs a watch's rebuilds as jobs of its client on the daemon's fair queue, exactly as atoll/optimize does
 * (same engine, same caches: unchanged bytes come from the result cache, unchanged functions from the
 * proof cache), and writes each output atomically, remembering its content so the write is not an input.
 */
export class Rebuilder {
  private readonly jobs = new Set<SubmittedJob<unknown>>();
  private stopped = false;

  constructor(
    private readonly daemon: Daemon,
    private readonly session: Session,
    private readonly options: OptimizeOptions,
    private readonly plan: OutputPlan,
    private readonly own: OwnOutputs,
  ) {}

  /** The result to notify, or undefined when the watch stopped while this rebuild ran. */
  async build(path: string, cause: string, bytes: Uint8Array): Promise<RebuildResult | undefined> {
    const started = performance.now();
    const outputPath = this.plan.outputFor(path);
    const job = this.daemon.queue.submit(this.session.label, 'optimize', async (signal) => {
      await this.daemon.ready;
      return this.daemon.engine.optimize(bytes, this.options, {
        signal,
        onLog: (line) => this.session.logToClient(MessageType.Log, `${path}: ${line}`),
      });
    });
    this.jobs.add(job);
    try {
      const { output, report } = await job.result;
      if (this.stopped) return undefined;
      this.own.remember(outputPath, report.output.sha256);
      await writeOutput(outputPath, output);
      return { path, cause, ms: Math.round(performance.now() - started), outputPath, summary: summarize(report), report };
    } catch (error) {
      const answer = toResponseError(error, (line) => this.session.log(`watch ${path}: ${line}`));
      if (this.stopped && answer.code === ErrorCodes.RequestCancelled) return undefined;
      return { path, cause, ms: Math.round(performance.now() - started), error: { code: answer.code as ErrorCode, message: answer.message } };
    } finally {
      this.jobs.delete(job);
    }
  }

  /** Cancels queued and running rebuilds; their results are not reported. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobs) job.cancel();
  }
}
