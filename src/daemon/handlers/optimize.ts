import type { OptimizeOptions as EngineOptimizeOptions } from '../../engine/options.js';
import type { OptimizeResult } from '../../protocol/optimize.js';
import { AtollError, ErrorCodes } from '../../protocol/errors.js';
import { readModuleSource, writeOutput } from '../module-io.js';
import { optimizeParams } from '../params.js';
import { runJob } from '../run-job.js';
import type { RequestContext } from '../session.js';

export async function optimize(context: RequestContext, raw: unknown): Promise<OptimizeResult> {
  const params = optimizeParams(raw);
  // Read before queueing: a missing file is answered at once, not after other clients' jobs.
  const input = await readModuleSource(params.input);
  // Compile-time guard: the wire options must stay assignable to the engine's.
  const options: EngineOptimizeOptions = params.options ?? {};
  if (params.proofPath !== undefined && (options.verify ?? 'strict') !== 'strict') {
    throw new AtollError(ErrorCodes.BadOption, 'a certificate (proofPath) is written in strict mode only: with verify report or off the output holds unproved changes');
  }
  return runJob(context, 'optimize', params.workDoneToken, async (hooks) => {
    const { output, report, certificate } = await context.daemon.engine.optimize(input, options, hooks);
    const proof = params.proofPath === undefined ? {} : { proofPath: params.proofPath };
    if (params.proofPath !== undefined) {
      if (!certificate) throw new AtollError(ErrorCodes.NotAvailable, 'no certificate was made for this output');
      await writeOutput(params.proofPath, new TextEncoder().encode(`${JSON.stringify(certificate)}\n`));
    }
    if (params.outputPath === undefined) return { report, outputBase64: Buffer.from(output).toString('base64'), ...proof };
    await writeOutput(params.outputPath, output);
    return { report, outputPath: params.outputPath, ...proof };
  });
}
