import { AtollError, ErrorCodes } from '../../protocol/errors.js';
import { rangeProblem } from '../../protocol/options.js';
import { FunctionTimeRange, VerifyTimeoutRange, type VerifyRequest } from '../../protocol/verify.js';
import { JobProgress } from '../job-progress.js';
import { PROOF_FILE_INPUTS, readModuleSource, readProofFile } from '../module-io.js';
import { runJob } from '../run-job.js';
import type { RequestHandler } from './handler.js';
import { absolutePath, defined, moduleSource, number, optional, paramsOf, progressToken, required, strings } from './validate.js';

export const verify: RequestHandler<typeof VerifyRequest> = {
  validate: (raw) => {
    const fields = paramsOf(raw, ['base', 'candidate', 'timeoutMs', 'functionTimeMs', 'features', 'proofPath', 'workDoneToken']);
    const timeoutMs = optional(fields, 'timeoutMs', number);
    const functionTimeMs = optional(fields, 'functionTimeMs', number);
    const problem =
      (timeoutMs === undefined ? undefined : rangeProblem('params.timeoutMs', timeoutMs, VerifyTimeoutRange)) ??
      (functionTimeMs === undefined ? undefined : rangeProblem('params.functionTimeMs', functionTimeMs, FunctionTimeRange));
    if (problem) throw new AtollError(ErrorCodes.BadOption, problem);
    return defined({
      base: required(fields, 'base', moduleSource),
      candidate: required(fields, 'candidate', moduleSource),
      timeoutMs,
      functionTimeMs,
      features: optional(fields, 'features', strings),
      proofPath: optional(fields, 'proofPath', absolutePath),
      workDoneToken: optional(fields, 'workDoneToken', progressToken),
    });
  },
  handle: async ({ daemon, session, token }, params) => {
    const { maxInputBytes } = daemon.config.limits;
    const base = await readModuleSource(params.base, maxInputBytes);
    const candidate = await readModuleSource(params.candidate, maxInputBytes);
    const certificate = params.proofPath === undefined ? undefined : await readProofFile(params.proofPath, PROOF_FILE_INPUTS * maxInputBytes);
    const options = defined({ timeoutMs: params.timeoutMs, functionTimeMs: params.functionTimeMs, features: params.features, certificate });
    const progress = new JobProgress(session.connection, params.workDoneToken);
    return runJob({ daemon, session, kind: 'verify', progress, cancellation: token }, (hooks) => daemon.engine.verify(base, candidate, options, hooks));
  },
};
