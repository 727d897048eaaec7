import { LRUCache } from 'lru-cache';
import type { CacheClearResult, CacheStats } from '../protocol/cache.js';
import type { Verdict } from '../protocol/report.js';
import type { ProofCache } from '../verify/proof-cache.js';
import { sha256 } from '../wasm/ingest.js';
import { ContentStore } from './content-store.js';
import { TierCounters } from './tier-counters.js';

interface ProofEntry {
  /** sha256 of `payload`, as hex. */
  sha256: string;
  /** The verdict as JSON text: the checksum covers these exact characters. */
  payload: string;
}

export const DEFAULT_PROOF_MEMORY_BYTES = 64 * 1024 * 1024;

/**
 * Proofs by content hash: an lru-cache bounded by bytes over a persistent store of one JSON file per proof.
 * A disk entry whose checksum does not match (corrupt, truncated, edited) is counted, deleted and reported
 * as a miss, so the verifier proves the function again and `set` rewrites the entry.
 */
export class DiskProofCache implements ProofCache {
  private readonly memory: LRUCache<string, Verdict>;
  private readonly store: ContentStore;
  private readonly memoryCounters = new TierCounters();
  private readonly diskCounters = new TierCounters();

  constructor(
    directory: string,
    readonly maxMemoryBytes = DEFAULT_PROOF_MEMORY_BYTES,
  ) {
    this.store = new ContentStore(directory, 'json');
    // Size is the payload's length: close to what the parsed verdict costs, and cheap to compute.
    this.memory = new LRUCache({ maxSize: maxMemoryBytes, sizeCalculation: (verdict) => JSON.stringify(verdict).length });
  }

  async get(key: string): Promise<Verdict | undefined> {
    const remembered = this.memory.get(key);
    if (remembered) {
      this.memoryCounters.hits++;
      return remembered;
    }
    this.memoryCounters.misses++;
    const raw = await this.store.read(key);
    if (!raw) {
      this.diskCounters.misses++;
      return undefined;
    }
    const verdict = decodeProofEntry(raw);
    if (!verdict) {
      this.diskCounters.corrupt++;
      this.diskCounters.misses++;
      await this.store.remove(key);
      return undefined;
    }
    this.diskCounters.hits++;
    this.memory.set(key, verdict);
    return verdict;
  }

  async set(key: string, verdict: Verdict): Promise<void> {
    this.memory.set(key, verdict);
    const payload = JSON.stringify(verdict);
    const entry: ProofEntry = { sha256: sha256(payload), payload };
    await this.store.write(key, JSON.stringify(entry));
  }

  async stats(): Promise<CacheStats['proofs']> {
    const onDisk = await this.store.list();
    return {
      memory: this.memoryCounters.snapshot(this.memory.size, this.memory.calculatedSize),
      disk: this.diskCounters.snapshot(onDisk.length, onDisk.reduce((sum, entry) => sum + entry.bytes, 0)),
      maxMemoryBytes: this.maxMemoryBytes,
    };
  }

  async clear(): Promise<CacheClearResult> {
    this.memory.clear();
    return this.store.clear();
  }
}

/** The verdict of a well-formed entry, or undefined for anything that fails its checksum or shape. */
export function decodeProofEntry(raw: Buffer): Verdict | undefined {
  try {
    const entry = JSON.parse(raw.toString('utf8')) as Partial<ProofEntry>;
    if (typeof entry.payload !== 'string' || entry.sha256 !== sha256(entry.payload)) return undefined;
    const verdict = JSON.parse(entry.payload) as Verdict;
    if (!verdict || !['proved', 'refuted', 'unknown'].includes(verdict.status)) return undefined;
    return verdict;
  } catch {
    return undefined;
  }
}
