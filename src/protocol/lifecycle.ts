import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-jsonrpc';
import { MessageDirection } from './messages.js';

export interface ClientInfo {
  name: string;
  version?: string;
}

/** What the client can do, LSP style. */
export interface ClientCapabilities {
  window?: {
    /**
     * The client answers `window/workDoneProgress/create`: the daemon then reports progress of work the
     * client did not ask for with a token of its own (watch rebuilds).
     */
    workDoneProgress?: boolean;
  };
}

export interface InitializeParams {
  processId?: number | null;
  clientInfo?: ClientInfo;
  capabilities?: ClientCapabilities;
}

/** Versions that decide output bytes and verdicts; part of every result-cache key. */
export interface ComponentVersions {
  atoll: string;
  binaryen: string;
  /** The z3-solver npm package version. */
  z3: string;
}

export interface ServerCapabilities {
  optimize: boolean;
  verify: boolean;
  watch: boolean;
  cache: boolean;
  workDoneProgress: boolean;
  cancellation: boolean;
}

export interface InitializeResult {
  serverInfo: { name: 'atoll'; version: string };
  versions: ComponentVersions;
  pools: { islandThreads: number; solverThreads: number; maxConcurrentJobs: number };
  capabilities: ServerCapabilities;
  transport: 'stdio' | 'socket';
  pid: number;
}

/** The first request of every connection; anything else before it answers ServerNotInitialized. */
export namespace InitializeRequest {
  export const method = 'initialize' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<InitializeParams, InitializeResult, void>(method);
}

export namespace InitializedNotification {
  export const method = 'initialized' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new NotificationType<Record<string, never>>(method);
}

/** Ends this client's session: the reply comes first, later requests answer ServerNotInitialized. */
export namespace ShutdownRequest {
  export const method = 'shutdown' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType0<null, void>(method);
}

/** Closes this connection; in stdio mode the daemon process exits (code 0 after shutdown, else 1). */
export namespace ExitNotification {
  export const method = 'exit' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new NotificationType0(method);
}

/**
 * Stops the whole daemon: replies, cancels running jobs, removes its socket and pid file, exits. A client that
 * must know when the process is gone waits for the pid `initialize` gave it.
 */
export namespace DaemonStopRequest {
  export const method = 'atoll/daemon/stop' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType0<null, void>(method);
}

