import { join } from 'node:path';
import type { CacheClearResult, CacheName, CacheStats } from '../protocol/cache.js';
import { DiskCertificateStore } from './certificate-store.js';
import { DiskProofCache } from './proof-cache.js';
import { DiskResultCache } from './result-cache.js';

export interface CacheLimits {
  proofMemoryBytes?: number;
  resultBytes?: number;
}

/**
 * The caches of one cache directory: `<dir>/proofs`, `<dir>/results` and `<dir>/certificates` (the chains of
 * proved steps behind strict results; cleared with the results they belong to).
 */
export class Caches {
  readonly proofs: DiskProofCache;
  readonly results: DiskResultCache;
  readonly certificates: DiskCertificateStore;

  constructor(
    readonly directory: string,
    limits: CacheLimits = {},
  ) {
    this.proofs = new DiskProofCache(join(directory, 'proofs'), limits.proofMemoryBytes);
    this.results = new DiskResultCache(join(directory, 'results'), limits.resultBytes);
    this.certificates = new DiskCertificateStore(join(directory, 'certificates'));
  }

  async stats(): Promise<CacheStats> {
    return { directory: this.directory, proofs: await this.proofs.stats(), results: await this.results.stats() };
  }

  async clear(which: readonly CacheName[] = ['proofs', 'results']): Promise<CacheClearResult> {
    const total: CacheClearResult = { removedEntries: 0, removedBytes: 0 };
    for (const name of which) {
      for (const store of name === 'results' ? [this.results, this.certificates] : [this.proofs]) {
        const removed = await store.clear();
        total.removedEntries += removed.removedEntries;
        total.removedBytes += removed.removedBytes;
      }
    }
    return total;
  }
}
