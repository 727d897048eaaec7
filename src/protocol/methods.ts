import { CacheClearRequest, CacheStatsRequest, CacheVerifyRequest } from './cache.js';
import { DaemonStopRequest, ExitNotification, InitializedNotification, InitializeRequest, ShutdownRequest } from './lifecycle.js';
import { OptimizeRequest } from './optimize.js';
import { CancelRequestNotification, LogMessageNotification, WorkDoneProgress, WorkDoneProgressCreateRequest } from './progress.js';
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

export type ClientRequest = (typeof clientRequests)[number];
export type ClientRequestMethod = ClientRequest['method'];

/** Requests the daemon sends to a client. */
export const serverRequests = [WorkDoneProgressCreateRequest] as const;

/** Notifications a client may send. `$/cancelRequest` is handled by vscode-jsonrpc itself. */
export const clientNotifications = [InitializedNotification, ExitNotification, CancelRequestNotification] as const;

/** Notifications the daemon sends. */
export const serverNotifications = [WorkDoneProgress, LogMessageNotification, WatchResultNotification] as const;

/** Every method of the protocol, from the namespaces above. */
export const allMethods: readonly string[] = [clientRequests, serverRequests, clientNotifications, serverNotifications].flatMap((messages) =>
  messages.map((message) => message.method),
);
