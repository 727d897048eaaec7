import { RequestType0 } from 'vscode-jsonrpc';
import { MessageDirection } from './messages.js';
import type { CacheStats } from './cache.js';
import type { ComponentVersions } from './lifecycle.js';

export interface JobStatus {
  id: number;
  kind: 'optimize' | 'verify' | 'cache-verify';
  /** The connection that asked, e.g. "socket#3" or "stdio". */
  client: string;
  state: 'queued' | 'running' | 'cancelling';
  elapsedMs: number;
}

export interface StatusResult {
  pid: number;
  uptimeMs: number;
  versions: ComponentVersions;
  transport: { stdio: boolean; socket?: string };
  clients: number;
  pools: { islandThreads: number; solverThreads: number; engineQueued: number };
  queue: { queued: number; running: number; maxConcurrentJobs: number; completed: number; failed: number; cancelled: number };
  jobs: JobStatus[];
  caches: CacheStats;
  /**
   * The daemon's process.memoryUsage(); its main thread's V8 heap limit (README: "Memory"); the bytes held
   * for messages being received (at most twice limits.maxMessageBytes over all clients).
   */
  memory: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number; heapLimit: number; messageBuffers: number };
  /** The largest input module and the largest message this daemon accepts, bytes. */
  limits: { maxInputBytes: number; maxMessageBytes: number };
  /**
   * The warm-up jobs the daemon runs while no client has asked for a job yet (`--warm-up-jobs`, README
   * "Daemon"): how many were planned and ran to the end; `stopped` when a client's first job (or the daemon
   * stopping) ended them early.
   */
  warmUp: WarmUpStatus;
}

export interface WarmUpStatus {
  jobs: number;
  done: number;
  state: 'waiting' | 'running' | 'done' | 'stopped' | 'failed';
}

export namespace StatusRequest {
  export const method = 'atoll/status' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType0<StatusResult, void>(method);
}
