import type { OptimizedModule, QuickRebuild } from '../engine/engine.js';
import type { OptimizeOptions } from '../protocol/options.js';
import type { OptimizeReport } from '../protocol/report.js';
import { writeOutput, type OutputTarget } from './output-file.js';
import { runJob, type JobRequest } from './run-job.js';

export interface OptimizeJob {
  input: Uint8Array;
  options: OptimizeOptions;
  /**
   * Checked before the job (checkOutputPath), or while it runs when it is given as the check under way (a
   * watch's quick rebuild: its few tens of ms are not worth waiting for the check's round trips to the file
   * system); written atomically once the job succeeded.
   */
  output?: OutputTarget | Promise<OutputTarget>;
  /** Called with the report just before the output is written (a watch remembers the content it writes). */
  beforeWrite?: (report: OptimizeReport) => void;
  /** A watch's quick rebuild instead of a search (Engine.quick). */
  quick?: QuickRebuild;
  /** Stops the search between evaluations, keeping the workers (JobHooks.stop); nothing is written then. */
  stop?: AbortSignal;
}

/**
 * The one path of an optimize job, for `atoll/optimize` and for every watch rebuild alike: queue, engine,
 * output written.
 */
export function optimizeJob(request: JobRequest, job: OptimizeJob): Promise<OptimizedModule> {
  return runJob(request, async (hooks) => {
    const { engine } = request.daemon;
    const jobHooks = { ...hooks, stop: job.stop };
    const optimized = job.quick ? await engine.quick(job.input, job.quick, job.options, jobHooks) : await engine.optimize(job.input, job.options, jobHooks);
    if (job.output) {
      const output = await job.output;
      job.beforeWrite?.(optimized.report);
      await writeOutput(output, optimized.output);
    }
    return optimized;
  });
}
