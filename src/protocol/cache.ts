import { RequestType, RequestType0 } from 'vscode-jsonrpc';
import { MessageDirection } from './messages.js';
import type { WorkDoneProgressParams } from './progress.js';
import type { ProofMethod, Verdict } from './report.js';

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

/** How many cached proofs one atoll/cache/verify may check. */
export const CacheVerifySampleRange = { min: 1, max: 100_000 } as const;

export interface CacheVerifyParams extends WorkDoneProgressParams {
  /** How many proved entries to check again (CacheVerifySampleRange), picked at random among all; default 20. */
  sample?: number;
}

/** A cached proof that did not hold up when checked again; the entry is removed. */
export interface CacheVerifyFailure {
  key: string;
  /** How the entry said the pair was proved. */
  claimed: ProofMethod;
  /** False when the entry's evidence does not hash to its key (it was not the pair the key named). */
  keyMatches: boolean;
  /** What checking it again gave (absent when the key did not match). */
  verdict?: Verdict;
}

export interface CacheVerifyResult {
  /** Entries read to find the sample. */
  examined: number;
  /** Proved entries checked again. */
  checked: number;
  /** Of those, proved again. */
  confirmed: number;
  failed: CacheVerifyFailure[];
  /** Proved entries with no evidence to check them from (written before atoll kept it), skipped. */
  withoutEvidence: number;
  timeMs: number;
}

/** Checks a sample of cached proofs again; removes those that do not hold up. A queued job, cancellable. */
export namespace CacheVerifyRequest {
  export const method = 'atoll/cache/verify' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<CacheVerifyParams, CacheVerifyResult, void>(method);
}
