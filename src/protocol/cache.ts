import { RequestType, RequestType0 } from 'vscode-jsonrpc';
import { MessageDirection } from './messages.js';

export interface CacheTierStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  /** Entries found corrupt or truncated (ignored, then rewritten) since the daemon started. */
  corrupt: number;
}

export interface CacheStats {
  directory: string;
  proofs: { memory: CacheTierStats; disk: CacheTierStats; maxMemoryBytes: number };
  results: { disk: CacheTierStats; maxBytes: number; evictions: number };
}

export const CacheNames = ['proofs', 'results'] as const;
export type CacheName = (typeof CacheNames)[number];

export interface CacheClearParams {
  /** Which caches to clear; default both. */
  caches?: CacheName[];
}

export interface CacheClearResult {
  removedEntries: number;
  removedBytes: number;
}

/** Read-only: answers without touching a job or a cache entry. */
export namespace CacheStatsRequest {
  export const method = 'atoll/cache/stats' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType0<CacheStats, void>(method);
}

export namespace CacheClearRequest {
  export const method = 'atoll/cache/clear' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<CacheClearParams, CacheClearResult, void>(method);
}
