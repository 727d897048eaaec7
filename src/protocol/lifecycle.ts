import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-jsonrpc';

export interface ClientInfo {
  name: string;
  version?: string;
}

export interface InitializeParams {
  processId?: number | null;
  clientInfo?: ClientInfo;
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
  /** False until watch mode is implemented: atoll/watch/* answer NotAvailable. */
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
export const InitializeRequest = new RequestType<InitializeParams, InitializeResult, void>('initialize');
export const InitializedNotification = new NotificationType<Record<string, never>>('initialized');
/** Ends this client's session: the reply comes first, later requests answer ServerNotInitialized. */
export const ShutdownRequest = new RequestType0<null, void>('shutdown');
/** Closes this connection; in stdio mode the daemon process exits (code 0 after shutdown, else 1). */
export const ExitNotification = new NotificationType0('exit');
/** Stops the whole daemon: replies, cancels running jobs, removes its socket and pid file, exits. */
export const DaemonStopRequest = new RequestType0<null, void>('atoll/daemon/stop');
