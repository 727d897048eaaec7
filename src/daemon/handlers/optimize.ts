import type { OptimizeRequest } from '../../protocol/optimize.js';
import { JobProgress } from '../job-progress.js';
import { readModuleSource } from '../module-io.js';
import { optimizeJob } from '../optimize-job.js';
import { checkOutputPath, writeOutput } from '../output-file.js';
import { AtollError, ErrorCodes } from '../../protocol/errors.js';
import { OptionDefaults } from '../../protocol/options.js';
import type { RequestHandler } from './handler.js';
import { absolutePath, boolean, defined, moduleSource, optimizeOptions, optional, paramsOf, progressToken, required } from './validate.js';

export const optimize: RequestHandler<typeof OptimizeRequest> = {
  validate: (raw) => {
    const fields = paramsOf(raw, ['input', 'outputPath', 'overwriteInput', 'createDirectories', 'options', 'proofPath', 'workDoneToken']);
    return defined({
      input: required(fields, 'input', moduleSource),
      outputPath: optional(fields, 'outputPath', absolutePath),
      overwriteInput: optional(fields, 'overwriteInput', boolean),
      createDirectories: optional(fields, 'createDirectories', boolean),
      options: optional(fields, 'options', optimizeOptions) ?? {},
      proofPath: optional(fields, 'proofPath', absolutePath),
      workDoneToken: optional(fields, 'workDoneToken', progressToken),
    });
  },
  handle: async (context, params) => {
    // Read and check before queueing: a missing file or a bad output path is answered at once, not after
    // other clients' jobs and this one's work.
    const input = await readModuleSource(params.input, context.daemon.config.limits.maxInputBytes);
    const output =
      params.outputPath === undefined
        ? undefined
        : await checkOutputPath(params.outputPath, {
            ...('path' in params.input ? { inputPath: params.input.path } : {}),
            overwriteInput: params.overwriteInput ?? false,
            createDirectories: params.createDirectories ?? false,
          });
    if (params.proofPath !== undefined && (params.options?.verify ?? OptionDefaults.verify) !== 'strict') {
      throw new AtollError(ErrorCodes.BadOption, 'a certificate (proofPath) is written in strict mode only: with verify report or off the output holds unproved changes');
    }
    const proof = params.proofPath === undefined ? undefined : await checkOutputPath(params.proofPath, { createDirectories: params.createDirectories ?? false });
    const { daemon, session, token } = context;
    const progress = new JobProgress(session.connection, params.workDoneToken);
    const optimized = await optimizeJob(
      { daemon, session, kind: 'optimize', progress, cancellation: token },
      { input, options: params.options ?? {}, ...(output ? { output } : {}) },
    );
    if (proof) {
      if (!optimized.certificate) throw new AtollError(ErrorCodes.InternalError, 'no certificate was made for this output');
      await writeOutput(proof, new TextEncoder().encode(`${JSON.stringify(optimized.certificate)}\n`));
    }
    const written = params.proofPath === undefined ? {} : { proofPath: params.proofPath };
    if (params.outputPath === undefined) return { report: optimized.report, outputBase64: Buffer.from(optimized.output).toString('base64'), ...written };
    return { report: optimized.report, outputPath: params.outputPath, ...written };
  },
};
