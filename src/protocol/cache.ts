import { RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { ProgressToken } from './progress.js';
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

export interface CacheVerifyParams {
  /** How many proved entries to check again, picked at random among all; default 20. */
  sample?: number;
  workDoneToken?: ProgressToken;
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

export const CacheVerifyRequest = new RequestType<CacheVerifyParams, CacheVerifyResult, void>('atoll/cache/verify');
