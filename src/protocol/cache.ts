import { RequestType, RequestType0 } from 'vscode-jsonrpc';

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

export type CacheName = 'proofs' | 'results';

export interface CacheClearParams {
  /** Which caches to clear; default both. */
  caches?: CacheName[];
}

export interface CacheClearResult {
  removedEntries: number;
  removedBytes: number;
}

export const CacheStatsRequest = new RequestType0<CacheStats, void>('atoll/cache/stats');
export const CacheClearRequest = new RequestType<CacheClearParams, CacheClearResult, void>('atoll/cache/clear');
