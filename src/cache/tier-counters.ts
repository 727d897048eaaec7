import type { CacheTierStats } from '../protocol/cache.js';

/** Hit/miss/corrupt counts of one cache tier since the daemon started. */
export class TierCounters {
  hits = 0;
  misses = 0;
  corrupt = 0;

  snapshot(entries: number, bytes: number): CacheTierStats {
    return { entries, bytes, hits: this.hits, misses: this.misses, corrupt: this.corrupt };
  }
}
