import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryAuthenticator } from '../../../src/cache/authenticator.js';
import { DiskResultCache, encodeResultEntry, resultCacheKey, type CachedResult } from '../../../src/cache/result-cache.js';
import type { OptimizeReport } from '../../../src/protocol/report.js';
import { sha256 } from '../../../src/wasm/ingest.js';

const VERSIONS = { atoll: '0.1.0', binaryen: '132.0.0', z3: '5.2.0' };

function result(fill: number, size = 1000): CachedResult {
  const output = new Uint8Array(size).fill(fill);
  return { output, report: { output: { bytes: size, sha256: sha256(output) } } as unknown as OptimizeReport };
}

function key(n: number): string {
  return resultCacheKey(n.toString(16).padStart(64, '0'), '[2,1]', VERSIONS);
}

describe('resultCacheKey', () => {
  it('changes with the input, the options and each version', () => {
    const base = resultCacheKey('aa', '[1]', VERSIONS);
    expect(resultCacheKey('aa', '[1]', VERSIONS)).toBe(base);
    expect(resultCacheKey('ab', '[1]', VERSIONS)).not.toBe(base);
    expect(resultCacheKey('aa', '[2]', VERSIONS)).not.toBe(base);
    expect(resultCacheKey('aa', '[1]', { ...VERSIONS, binaryen: '133.0.0' })).not.toBe(base);
    expect(resultCacheKey('aa', '[1]', { ...VERSIONS, z3: '5.3.0' })).not.toBe(base);
    expect(resultCacheKey('aa', '[1]', { ...VERSIONS, atoll: '0.2.0' })).not.toBe(base);
  });
});

describe('DiskResultCache', () => {
  let dir: string;
  /** A cache over `dir` as a daemon (re)started there would open it. */
  const open = (maxBytes?: number) => new DiskResultCache(join(dir, 'results'), EntryAuthenticator.forDirectory(dir), maxBytes);
  const entryPath = (k: string) => join(dir, 'results', k.slice(0, 2), `${k}.bin`);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atoll-results-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the stored output bytes and report after a restart', async () => {
    await open().set(key(1), result(7));
    const restarted = open();
    const hit = await restarted.get(key(1));
    expect(hit?.output).toEqual(new Uint8Array(1000).fill(7));
    expect(hit?.report).toEqual(result(7).report);
    expect(await restarted.get(key(2))).toBeUndefined();
    expect((await restarted.stats()).disk).toMatchObject({ entries: 1, hits: 1, misses: 1, corrupt: 0 });
  });

  it('never returns a truncated entry and counts it as corrupt', async () => {
    const cache = open();
    await cache.set(key(1), result(7));
    const path = entryPath(key(1));
    const raw = await readFile(path);
    await writeFile(path, raw.subarray(0, raw.length - 1));
    expect(await cache.get(key(1))).toBeUndefined();
    expect((await cache.stats()).disk).toMatchObject({ corrupt: 1, entries: 0 });
  });

  it('never returns an entry whose output bytes were flipped', async () => {
    const cache = open();
    await cache.set(key(1), result(7));
    const path = entryPath(key(1));
    const raw = await readFile(path);
    raw[raw.length - 1] ^= 1;
    await writeFile(path, raw);
    expect(await cache.get(key(1))).toBeUndefined();
    expect((await cache.stats()).disk.corrupt).toBe(1);
  });

  it('evicts the least recently used entries when over its byte bound', async () => {
    // Room for three entries and a half.
    const bound = Math.floor(3.5 * encodeResultEntry(key(1), result(1), EntryAuthenticator.forDirectory(dir)).length);
    const cache = open(bound);
    for (const n of [1, 2, 3]) {
      await cache.set(key(n), result(n));
      const when = new Date(Date.now() - (10 - n) * 60_000);
      await utimes(entryPath(key(n)), when, when);
    }
    // A fresh instance indexes by file mtime: entry 1 is oldest, but reading it makes entry 2 the oldest.
    const restarted = open(bound);
    expect(await restarted.get(key(1))).toBeDefined();
    await restarted.set(key(4), result(4));
    expect(await restarted.get(key(2))).toBeUndefined();
    for (const n of [1, 3, 4]) expect(await restarted.get(key(n))).toBeDefined();
    const stats = await restarted.stats();
    expect(stats.evictions).toBe(1);
    expect(stats.disk.bytes).toBeLessThanOrEqual(bound);
  });

  it('never returns an authentic entry whose output bytes are not the ones its report describes', async () => {
    // issue #12: an entry with a valid checksum but other output bytes was served; nothing compared them.
    const other = { ...result(7), output: new Uint8Array(1000).fill(8) };
    const path = entryPath(key(1));
    await open().set(key(1), result(7));
    await writeFile(path, encodeResultEntry(key(1), other, EntryAuthenticator.forDirectory(dir)));
    const cache = open();
    expect(await cache.get(key(1))).toBeUndefined();
    expect((await cache.stats()).disk.corrupt).toBe(1);
  });

  it("never returns an entry moved to another key's path, nor one written under another cache's key", async () => {
    await open().set(key(1), result(7));
    await mkdir(join(entryPath(key(2)), '..'), { recursive: true });
    await copyFile(entryPath(key(1)), entryPath(key(2)));
    expect(await open().get(key(2))).toBeUndefined();

    const elsewhere = await mkdtemp(join(tmpdir(), 'atoll-results-other-'));
    try {
      await writeFile(entryPath(key(1)), encodeResultEntry(key(1), result(7), EntryAuthenticator.forDirectory(elsewhere)));
      expect(await open().get(key(1))).toBeUndefined();
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('clears every entry', async () => {
    const cache = open();
    await cache.set(key(1), result(1));
    await cache.set(key(2), result(2));
    expect((await cache.clear()).removedEntries).toBe(2);
    expect(await cache.get(key(1))).toBeUndefined();
  });
});
