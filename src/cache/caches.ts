import { join } from 'node:path';
import type { CacheClearResult, CacheName, CacheStats } from '../protocol/cache.js';
import { EntryAuthenticator } from './authenticator.js';
import type { SweepResult } from './content-store.js';
import { DiskProofCache } from './proof-cache.js';
import { DiskResultCache } from './result-cache.js';

export interface CacheLimits {
  proofMemoryBytes?: number;
  resultBytes?: number;
}

/** Both caches of one cache directory: `<dir>/proofs` and `<dir>/results`. */
export class Caches {
  readonly proofs: DiskProofCache;
  readonly results: DiskResultCache;

  constructor(
    readonly directory: string,
    limits: CacheLimits = {},
    log: (line: string) => void = () => undefined,
  ) {
    const authenticator = EntryAuthenticator.forDirectory(directory, log);
    this.proofs = new DiskProofCache(join(directory, 'proofs'), authenticator, limits.proofMemoryBytes);
    this.results = new DiskResultCache(join(directory, 'results'), authenticator, limits.resultBytes);
  }

  /** Start-of-day housekeeping of both stores (content-store.ts: stale temp files, modes). */
  async sweep(): Promise<SweepResult> {
    const [proofs, results] = await Promise.all([this.proofs.sweep(), this.results.sweep()]);
    return { staleTemps: proofs.staleTemps + results.staleTemps, modesFixed: proofs.modesFixed + results.modesFixed };
  }

  async stats(): Promise<CacheStats> {
    return { directory: this.directory, proofs: await this.proofs.stats(), results: await this.results.stats() };
  }

  async clear(which: readonly CacheName[] = ['proofs', 'results']): Promise<CacheClearResult> {
    const total: CacheClearResult = { removedEntries: 0, removedBytes: 0 };
    for (const name of which) {
      const removed = await this[name].clear();
      total.removedEntries += removed.removedEntries;
      total.removedBytes += removed.removedBytes;
    }
    return total;
  }
}
