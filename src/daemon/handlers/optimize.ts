import type { OptimizeRequest } from '../../protocol/optimize.js';
import { JobProgress } from '../job-progress.js';
import { readModuleSource } from '../module-io.js';
import { optimizeJob } from '../optimize-job.js';
import { checkOutputPath } from '../output-file.js';
import type { RequestHandler } from './handler.js';
import { absolutePath, boolean, defined, moduleSource, optimizeOptions, optional, paramsOf, progressToken, required } from './validate.js';

export const optimize: RequestHandler<typeof OptimizeRequest> = {
  validate: (raw) => {
    const fields = paramsOf(raw, ['input', 'outputPath', 'overwriteInput', 'createDirectories', 'options', 'workDoneToken']);
    return defined({
      input: required(fields, 'input', moduleSource),
      outputPath: optional(fields, 'outputPath', absolutePath),
      overwriteInput: optional(fields, 'overwriteInput', boolean),
      createDirectories: optional(fields, 'createDirectories', boolean),
      options: optional(fields, 'options', optimizeOptions) ?? {},
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
    const { daemon, session, token } = context;
    const progress = new JobProgress(session.connection, params.workDoneToken);
    const optimized = await optimizeJob(
      { daemon, session, kind: 'optimize', progress, cancellation: token },
      { input, options: params.options ?? {}, ...(output ? { output } : {}) },
    );
    if (params.outputPath === undefined) return { report: optimized.report, outputBase64: Buffer.from(optimized.output).toString('base64') };
    return { report: optimized.report, outputPath: params.outputPath };
  },
};
