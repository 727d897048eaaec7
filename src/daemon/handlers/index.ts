import type { ClientRequest } from '../../protocol/methods.js';
import type { RequestHandler } from './handler.js';
import { cacheVerify } from './cache-verify.js';
import { initialize, shutdown, stopDaemon } from './lifecycle.js';
import { optimize } from './optimize.js';
import { cacheClear, cacheStats, status } from './status.js';
import { verify } from './verify.js';
import { watchStart, watchStop } from './watch.js';

export type { RequestHandler } from './handler.js';

/**
 * One handler per request of the protocol, keyed by its method: the type makes a missing or an extra
 * method, or a handler whose params or result do not match its request, a compile error.
 */
export type RequestHandlers = { [R in ClientRequest as R['method']]: RequestHandler<R> };

export const requestHandlers: RequestHandlers = {
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
