import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { LRUCache } from 'lru-cache';
import type { CacheClearResult, CacheStats } from '../protocol/cache.js';
import type { Verdict } from '../protocol/report.js';
import type { ProofEvidence } from '../verify/cache-key.js';
import type { ProofCache } from '../verify/proof-cache.js';
import type { EntryAuthenticator } from './authenticator.js';
import { ContentStore } from './content-store.js';
import { TierCounters } from './tier-counters.js';

const FORMAT = 'atoll-proof-2';

interface ProofEntry {
  format: typeof FORMAT;
  /** HMAC (authenticator.ts) of the entry key, `verdict` and `evidence`, as hex. */
  mac: string;
  /** The verdict as JSON text: the MAC covers these exact characters. */
  verdict: string;
  /** Proved verdicts only: the ProofEvidence as JSON, raw-deflated, base64. */
  evidence?: string;
}

/** A proved entry and what it can be checked again from. */
export interface ProvedEntry {
  key: string;
  verdict: Verdict & { status: 'proved' };
  evidence: ProofEvidence;
}

export const DEFAULT_PROOF_MEMORY_BYTES = 64 * 1024 * 1024;

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/**
 * Proofs by content hash: an lru-cache bounded by bytes over a persistent store of one JSON file per proof.
 * Every disk entry is authenticated (authenticator.ts): one that fails (corrupt, truncated, edited, planted,
 * or not a file at all) is counted, deleted and reported as a miss, so the verifier decides the pair again
 * and `set` rewrites the entry. What a verdict read from here is trusted for is in README ("Caches").
 */
export class DiskProofCache implements ProofCache {
  private readonly memory: LRUCache<string, Verdict>;
  private readonly store: ContentStore;
  private readonly memoryCounters = new TierCounters();
  private readonly diskCounters = new TierCounters();

  constructor(
    directory: string,
    private readonly authenticator: EntryAuthenticator,
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
    const entry = await this.readEntry(key);
    if (!entry) return undefined;
    this.diskCounters.hits++;
    this.memory.set(key, entry.verdict);
    return entry.verdict;
  }

  async set(key: string, verdict: Verdict, evidence?: () => ProofEvidence): Promise<void> {
    this.memory.set(key, verdict);
    const text = JSON.stringify(verdict);
    // Evidence is a convenience for `atoll cache verify`: if it cannot be made, the verdict is kept without it.
    const packed = verdict.status === 'proved' && evidence ? await pack(evidence).catch(() => '') : '';
    const entry: ProofEntry = { format: FORMAT, mac: this.authenticator.mac(key, text, packed), verdict: text, ...(packed ? { evidence: packed } : {}) };
    await this.store.write(key, JSON.stringify(entry));
  }

  /**
   * Up to `count` proved entries that carry evidence, picked at random among all disk entries (`random`
   * gives numbers in [0, 1), Math.random by default). Entries that fail authentication are removed on the way.
   */
  async sampleProved(count: number, random: () => number = Math.random): Promise<{ sample: ProvedEntry[]; examined: number; withoutEvidence: number }> {
    const keys = (await this.store.list()).map((entry) => entry.key);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    const sample: ProvedEntry[] = [];
    let examined = 0;
    let withoutEvidence = 0;
    for (const key of keys) {
      if (sample.length >= count) break;
      examined++;
      const entry = await this.readEntry(key);
      if (entry?.verdict.status !== 'proved') continue;
      if (!entry.evidence) {
        withoutEvidence++;
        continue;
      }
      const evidence = JSON.parse((await inflate(Buffer.from(entry.evidence, 'base64'))).toString('utf8')) as ProofEvidence;
      sample.push({ key, verdict: entry.verdict as ProvedEntry['verdict'], evidence });
    }
    return { sample, examined, withoutEvidence };
  }

  /** Drops an entry from memory and disk (a proof that did not hold up when checked again). */
  async forget(key: string): Promise<void> {
    this.memory.delete(key);
    await this.store.remove(key);
  }

  async sweep() {
    return this.store.sweep();
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

  /** The authenticated entry on disk, or undefined (a miss; an entry that fails is counted, removed). */
  private async readEntry(key: string): Promise<{ verdict: Verdict; evidence?: string } | undefined> {
    const read = await this.store.read(key);
    if (read.kind === 'absent') {
      this.diskCounters.misses++;
      return undefined;
    }
    const entry = read.kind === 'entry' ? decodeProofEntry(read.bytes, key, this.authenticator) : undefined;
    if (!entry) {
      this.diskCounters.corrupt++;
      this.diskCounters.misses++;
      if (read.kind === 'entry') await this.store.remove(key);
      return undefined;
    }
    return entry;
  }
}

async function pack(evidence: () => ProofEvidence): Promise<string> {
  return (await deflate(JSON.stringify(evidence()))).toString('base64');
}

/** The verdict (and packed evidence) of an authentic, well-formed entry; undefined for anything else. */
export function decodeProofEntry(raw: Buffer, key: string, authenticator: EntryAuthenticator): { verdict: Verdict; evidence?: string } | undefined {
  try {
    const entry = JSON.parse(raw.toString('utf8')) as Partial<ProofEntry>;
    if (entry.format !== FORMAT || typeof entry.verdict !== 'string') return undefined;
    const packed = typeof entry.evidence === 'string' ? entry.evidence : '';
    if (!authenticator.verifies(entry.mac, key, entry.verdict, packed)) return undefined;
    const verdict = JSON.parse(entry.verdict) as Verdict;
    if (!verdict || !['proved', 'refuted', 'unknown'].includes(verdict.status)) return undefined;
    return { verdict, ...(packed ? { evidence: packed } : {}) };
  } catch {
    return undefined;
  }
}
