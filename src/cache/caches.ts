import { join } from 'node:path';
import type { CacheClearResult, CacheName, CacheStats } from '../protocol/cache.js';
import { DiskCertificateStore } from './certificate-store.js';
import { EntryAuthenticator } from './authenticator.js';
import type { SweepResult } from './content-store.js';
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
    log: (line: string) => void = () => undefined,
  ) {
    const authenticator = EntryAuthenticator.forDirectory(directory, log);
    this.proofs = new DiskProofCache(join(directory, 'proofs'), authenticator, limits.proofMemoryBytes);
    this.results = new DiskResultCache(join(directory, 'results'), authenticator, limits.resultBytes);
    this.certificates = new DiskCertificateStore(join(directory, 'certificates'));
  }

  /** Start-of-day housekeeping of every store (content-store.ts: stale temp files, modes). */
  async sweep(): Promise<SweepResult> {
    const swept = await Promise.all([this.proofs.sweep(), this.results.sweep(), this.certificates.sweep()]);
    return { staleTemps: swept.reduce((n, s) => n + s.staleTemps, 0), modesFixed: swept.reduce((n, s) => n + s.modesFixed, 0) };
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
