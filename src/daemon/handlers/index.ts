import type { ClientRequestMethod } from '../../protocol/methods.js';
import type { RequestContext } from '../session.js';
import { initialize, shutdown, stopDaemon } from './lifecycle.js';
import { optimize } from './optimize.js';
import { cacheVerify } from './cache-verify.js';
import { cacheClear, cacheStats, status } from './status.js';
import { verify } from './verify.js';
import { watchStart, watchStop } from './watch.js';

export type RequestHandler = (context: RequestContext, params: unknown) => Promise<unknown>;

/** One handler per request of the protocol: the type makes a missing or an extra method a compile error. */
export const requestHandlers: Record<ClientRequestMethod, RequestHandler> = {
  initialize,
  shutdown,
  'atoll/optimize': optimize,
  'atoll/verify': verify,
  'atoll/status': status,
  'atoll/cache/stats': cacheStats,
  'atoll/cache/clear': cacheClear,
  'atoll/cache/verify': cacheVerify,
  'atoll/watch/start': watchStart,
  'atoll/watch/stop': watchStop,
  'atoll/daemon/stop': stopDaemon,
};
