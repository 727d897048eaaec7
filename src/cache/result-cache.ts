import type { CacheClearResult, CacheStats } from '../protocol/cache.js';
import type { ComponentVersions } from '../protocol/lifecycle.js';
import type { OptimizeReport } from '../protocol/report.js';
import { sha256 } from '../wasm/ingest.js';
import type { EntryAuthenticator } from './authenticator.js';
import { ContentStore, type StoredEntry } from './content-store.js';
import { TierCounters } from './tier-counters.js';

export interface CachedResult {
  output: Uint8Array;
  report: OptimizeReport;
}

/** What the engine consumes (EngineConfig.resultCache). */
export interface ResultCache {
  get(key: string): Promise<CachedResult | undefined>;
  set(key: string, value: CachedResult): Promise<void>;
}

/**
 * The key of one optimize job's answer: the input's hash, the options that decide the output
 * (canonicalOptions in src/engine/options.ts) and the versions of everything that produces bytes.
 * Never the output's hash: binaryen's output may differ between versions.
 */
export function resultCacheKey(inputSha256: string, canonicalOptions: string, versions: ComponentVersions): string {
  return sha256(JSON.stringify([inputSha256, canonicalOptions, versions.atoll, versions.binaryen, versions.z3]));
}

export const DEFAULT_RESULT_CACHE_BYTES = 512 * 1024 * 1024;

const MAGIC = 'atoll-result-2';

interface ResultHeader {
  magic: typeof MAGIC;
  /** HMAC (authenticator.ts) of the entry key, the report and the output, as hex. */
  mac: string;
  reportBytes: number;
  outputBytes: number;
}

/**
 * Entry layout: one JSON header line, then the report as JSON, then the output bytes. The MAC covers the
 * entry's key, the report and the output, so a truncated, edited, planted or moved file is never returned.
 */
export function encodeResultEntry(key: string, value: CachedResult, authenticator: EntryAuthenticator): Buffer {
  const report = Buffer.from(JSON.stringify(value.report));
  const header: ResultHeader = { magic: MAGIC, mac: authenticator.mac(key, report, value.output), reportBytes: report.length, outputBytes: value.output.byteLength };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), report, value.output]);
}

/**
 * The result of an authentic, well-formed entry whose output bytes are the ones its report describes (their
 * sha256 and length): a MAC says who wrote the entry, this says the entry is self-consistent.
 */
export function decodeResultEntry(raw: Buffer, key: string, authenticator: EntryAuthenticator): CachedResult | undefined {
  try {
    const newline = raw.indexOf(0x0a);
    if (newline < 0) return undefined;
    const header = JSON.parse(raw.subarray(0, newline).toString('utf8')) as Partial<ResultHeader>;
    const body = raw.subarray(newline + 1);
    if (header.magic !== MAGIC || typeof header.reportBytes !== 'number' || typeof header.outputBytes !== 'number') return undefined;
    if (body.length !== header.reportBytes + header.outputBytes) return undefined;
    const reportText = body.subarray(0, header.reportBytes);
    const output = body.subarray(header.reportBytes);
    if (!authenticator.verifies(header.mac, key, reportText, output)) return undefined;
    const report = JSON.parse(reportText.toString('utf8')) as OptimizeReport;
    if (report.output?.bytes !== output.length || report.output.sha256 !== sha256(output)) return undefined;
    return { report, output: new Uint8Array(output) };
  } catch {
    return undefined;
  }
}

/**
 * Finished optimize results on disk, bounded by bytes with least-recently-used eviction. Access times are the
 * files' mtimes (touched on every hit), so the LRU order survives restarts; an in-memory index built on first
 * use avoids rescanning the folder on every write.
 */
export class DiskResultCache implements ResultCache {
  private readonly store: ContentStore;
  private readonly counters = new TierCounters();
  private index: Promise<Map<string, StoredEntry>> | undefined;
  private evictions = 0;

  constructor(
    directory: string,
    private readonly authenticator: EntryAuthenticator,
    readonly maxBytes = DEFAULT_RESULT_CACHE_BYTES,
  ) {
    this.store = new ContentStore(directory, 'bin');
  }

  private entries(): Promise<Map<string, StoredEntry>> {
    this.index ??= this.store.list().then((list) => new Map(list.map((entry) => [entry.key, entry])));
    return this.index;
  }

  async get(key: string): Promise<CachedResult | undefined> {
    const read = await this.store.read(key);
    const index = await this.entries();
    if (read.kind === 'absent') {
      this.counters.misses++;
      index.delete(key);
      return undefined;
    }
    const value = read.kind === 'entry' ? decodeResultEntry(read.bytes, key, this.authenticator) : undefined;
    if (read.kind !== 'entry' || !value) {
      this.counters.corrupt++;
      this.counters.misses++;
      index.delete(key);
      if (read.kind === 'entry') await this.store.remove(key);
      return undefined;
    }
    this.counters.hits++;
    await this.store.touch(key);
    index.set(key, { key, path: this.store.pathFor(key), bytes: read.bytes.length, accessedMs: Date.now() });
    return value;
  }

  async set(key: string, value: CachedResult): Promise<void> {
    const bytes = await this.store.write(key, encodeResultEntry(key, value, this.authenticator));
    const index = await this.entries();
    index.set(key, { key, path: this.store.pathFor(key), bytes, accessedMs: Date.now() });
    await this.evict(index, key);
  }

  async sweep() {
    return this.store.sweep();
  }

  /** Removes the least recently used entries until the total fits; never the entry just written. */
  private async evict(index: Map<string, StoredEntry>, keep: string): Promise<void> {
    let total = 0;
    for (const entry of index.values()) total += entry.bytes;
    if (total <= this.maxBytes) return;
    const oldestFirst = [...index.values()].sort((a, b) => a.accessedMs - b.accessedMs);
    for (const entry of oldestFirst) {
      if (total <= this.maxBytes) break;
      if (entry.key === keep) continue;
      await this.store.remove(entry.key);
      index.delete(entry.key);
      total -= entry.bytes;
      this.evictions++;
    }
  }

  async stats(): Promise<CacheStats['results']> {
    const onDisk = await this.store.list();
    return {
      disk: this.counters.snapshot(onDisk.length, onDisk.reduce((sum, entry) => sum + entry.bytes, 0)),
      maxBytes: this.maxBytes,
      evictions: this.evictions,
    };
  }

  async clear(): Promise<CacheClearResult> {
    this.index = undefined;
    return this.store.clear();
  }
}
