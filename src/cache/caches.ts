import { join } from 'node:path';
import type { CacheClearResult, CacheName, CacheStats } from '../protocol/cache.js';
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
  ) {
    this.proofs = new DiskProofCache(join(directory, 'proofs'), limits.proofMemoryBytes);
    this.results = new DiskResultCache(join(directory, 'results'), limits.resultBytes);
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
