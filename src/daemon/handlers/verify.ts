import { AtollError, ErrorCodes } from '../../protocol/errors.js';
import type { VerifyReport } from '../../protocol/report.js';
import { readModuleSource, readProofFile } from '../module-io.js';
import { verifyParams } from '../params.js';
import { runJob } from '../run-job.js';
import type { RequestContext } from '../session.js';

export async function verify(context: RequestContext, raw: unknown): Promise<VerifyReport> {
  const params = verifyParams(raw);
  const engine = context.daemon.engine;
  if (!engine.verify) {
    throw new AtollError(ErrorCodes.NotAvailable, 'verification is not available in this build yet (the engine has no verifier)');
  }
  const base = await readModuleSource(params.base);
  const candidate = await readModuleSource(params.candidate);
  const options = {
    ...(params.timeoutMs === undefined ? {} : { timeoutMs: params.timeoutMs }),
    ...(params.features === undefined ? {} : { features: params.features }),
    ...(params.proofPath === undefined ? {} : { certificate: await readProofFile(params.proofPath) }),
  };
  return runJob(context, 'verify', params.workDoneToken, (hooks) => engine.verify!(base, candidate, options, hooks));
}
