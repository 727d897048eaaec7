import type { OptimizeOptions as EngineOptimizeOptions } from '../../engine/options.js';
import type { OptimizeResult } from '../../protocol/optimize.js';
import { readModuleSource, writeOutput } from '../module-io.js';
import { optimizeParams } from '../params.js';
import { runJob } from '../run-job.js';
import type { RequestContext } from '../session.js';

export async function optimize(context: RequestContext, raw: unknown): Promise<OptimizeResult> {
  const params = optimizeParams(raw);
  // Read before queueing: a missing file is answered at once, not after other clients' jobs.
  const input = await readModuleSource(params.input, context.daemon.config.limits.maxInputBytes);
  // Compile-time guard: the wire options must stay assignable to the engine's.
  const options: EngineOptimizeOptions = params.options ?? {};
  return runJob(context, 'optimize', params.workDoneToken, async (hooks) => {
    const { output, report } = await context.daemon.engine.optimize(input, options, hooks);
    if (params.outputPath === undefined) return { report, outputBase64: Buffer.from(output).toString('base64') };
    await writeOutput(params.outputPath, output);
    return { report, outputPath: params.outputPath };
  });
}
