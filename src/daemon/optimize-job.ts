import type { Engine, IncrementalBase, JobHooks, OptimizedModule } from '../engine/engine.js';
import type { OptimizeOptions } from '../protocol/options.js';
import type { OptimizeReport } from '../protocol/report.js';
import { writeOutput, type OutputTarget } from './output-file.js';
import { runJob, type JobRequest } from './run-job.js';

export interface OptimizeJob {
  input: Uint8Array;
  options: OptimizeOptions;
  /** Checked before the job (checkOutputPath); written atomically once the job succeeded. */
  output?: OutputTarget;
  /** Called with the report just before the output is written (a watch remembers the content it writes). */
  beforeWrite?: (report: OptimizeReport) => void;
  /**
   * A watch's quick rebuild instead of a search: the previous output patched (Engine.incremental) when there is
   * a base and it does not decline, else this lineage applied to the input (Engine.replay).
   */
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
    const optimized = job.quick ? await quickRebuild(engine, job, job.quick, jobHooks) : await engine.optimize(job.input, job.options, jobHooks);
    if (job.output) {
      job.beforeWrite?.(optimized.report);
      await writeOutput(job.output, optimized.output);
    }
    return optimized;
  });
}

/** How a watch rebuilds an input quickly: what made its last output. */
export interface QuickRebuild {
  lineage: NonNullable<OptimizedModule['lineage']>;
  incremental?: IncrementalBase;
}

async function quickRebuild(engine: Engine, job: OptimizeJob, quick: QuickRebuild, hooks: JobHooks): Promise<OptimizedModule> {
  if (quick.incremental) {
    const patched = await engine.incremental(job.input, quick.incremental, job.options, hooks);
    if (!('declined' in patched)) return patched;
    hooks.onLog?.(`no incremental rebuild (${patched.declined}); replaying the previous pipeline`);
  }
  return engine.replay(job.input, quick.lineage, job.options, hooks);
}
