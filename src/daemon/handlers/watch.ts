import type { WatchStartRequest, WatchStopRequest } from '../../protocol/watch.js';
import type { RequestHandler } from './handler.js';
import { absolutePath, boolean, defined, number, optimizeOptions, optional, paramsOf, required, string, strings } from './validate.js';

/** Answers once the initial scan is done, so a file written after the answer is seen as a change. */
export const watchStart: RequestHandler<typeof WatchStartRequest> = {
  validate: (raw) => {
    const fields = paramsOf(raw, ['paths', 'outputDir', 'suffix', 'options', 'debounceMs', 'ignore', 'poll', 'initial', 'quick']);
    const paths = required(fields, 'paths', strings);
    paths.forEach((path, index) => absolutePath(path, `params.paths[${index}]`));
    return defined({
      paths,
      outputDir: optional(fields, 'outputDir', absolutePath),
      suffix: optional(fields, 'suffix', string),
      options: optional(fields, 'options', optimizeOptions),
      debounceMs: optional(fields, 'debounceMs', number),
      ignore: optional(fields, 'ignore', strings),
      poll: optional(fields, 'poll', boolean),
      initial: optional(fields, 'initial', boolean),
      quick: optional(fields, 'quick', boolean),
    });
  },
  handle: ({ daemon, session }, params) => daemon.watches.start(daemon, session, params),
};

export const watchStop: RequestHandler<typeof WatchStopRequest> = {
  validate: (raw) => ({ watchId: required(paramsOf(raw, ['watchId']), 'watchId', string) }),
  handle: async ({ daemon, session }, params) => ({ stopped: await daemon.watches.stop(session, params.watchId) }),
};
