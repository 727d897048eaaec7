import { CacheClearRequest, CacheStatsRequest, CacheVerifyRequest } from './cache.js';
import {
  DaemonStopRequest,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  ShutdownRequest,
} from './lifecycle.js';
import { OptimizeRequest } from './optimize.js';
import { CancelRequestMethod, LogMessageNotification, ProgressMethod } from './progress.js';
import { StatusRequest } from './status.js';
import { VerifyRequest } from './verify.js';
import { WatchResultNotification, WatchStartRequest, WatchStopRequest } from './watch.js';

/** Every request a client may send; the daemon registers a handler for each (and only these). */
export const clientRequests = [
  InitializeRequest,
  ShutdownRequest,
  OptimizeRequest,
  VerifyRequest,
  StatusRequest,
  CacheStatsRequest,
  CacheClearRequest,
  CacheVerifyRequest,
  WatchStartRequest,
  WatchStopRequest,
  DaemonStopRequest,
] as const;

/** The methods of clientRequests as literals (RequestType.method is a plain string); a unit test keeps both equal. */
export type ClientRequestMethod =
  | 'initialize'
  | 'shutdown'
  | 'atoll/optimize'
  | 'atoll/verify'
  | 'atoll/status'
  | 'atoll/cache/stats'
  | 'atoll/cache/clear'
  | 'atoll/cache/verify'
  | 'atoll/watch/start'
  | 'atoll/watch/stop'
  | 'atoll/daemon/stop';

/** Notifications a client may send. `$/cancelRequest` is handled by vscode-jsonrpc itself. */
export const clientNotificationMethods = [InitializedNotification.method, ExitNotification.method, CancelRequestMethod] as const;

/** Notifications the daemon sends. */
export const serverNotificationMethods = [ProgressMethod, LogMessageNotification.method, WatchResultNotification.method] as const;

export const allMethods: readonly string[] = [
  ...clientRequests.map((request) => request.method),
  ...clientNotificationMethods,
  ...serverNotificationMethods,
];
