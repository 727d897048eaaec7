import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskResultCache, resultCacheKey, type CachedResult } from '../../../src/cache/result-cache.js';
import type { OptimizeReport } from '../../../src/protocol/report.js';

const VERSIONS = { atoll: '0.1.0', binaryen: '132.0.0', z3: '5.2.0' };

function result(fill: number, size = 1000): CachedResult {
  return { output: new Uint8Array(size).fill(fill), report: { output: { bytes: size } } as unknown as OptimizeReport };
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
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atoll-results-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns the stored output bytes and report after a restart', async () => {
    await new DiskResultCache(dir).set(key(1), result(7));
    const restarted = new DiskResultCache(dir);
    const hit = await restarted.get(key(1));
    expect(hit?.output).toEqual(new Uint8Array(1000).fill(7));
    expect(hit?.report).toEqual(result(7).report);
    expect(await restarted.get(key(2))).toBeUndefined();
    expect((await restarted.stats()).disk).toMatchObject({ entries: 1, hits: 1, misses: 1, corrupt: 0 });
  });

  it('never returns a truncated entry and counts it as corrupt', async () => {
    const cache = new DiskResultCache(dir);
    await cache.set(key(1), result(7));
    const path = join(dir, key(1).slice(0, 2), `${key(1)}.bin`);
    const raw = await readFile(path);
    await writeFile(path, raw.subarray(0, raw.length - 1));
    expect(await cache.get(key(1))).toBeUndefined();
    expect((await cache.stats()).disk).toMatchObject({ corrupt: 1, entries: 0 });
  });

  it('never returns an entry whose output bytes were flipped', async () => {
    const cache = new DiskResultCache(dir);
    await cache.set(key(1), result(7));
    const path = join(dir, key(1).slice(0, 2), `${key(1)}.bin`);
    const raw = await readFile(path);
    raw[raw.length - 1] ^= 1;
    await writeFile(path, raw);
    expect(await cache.get(key(1))).toBeUndefined();
    expect((await cache.stats()).disk.corrupt).toBe(1);
  });

  it('evicts the least recently used entries when over its byte bound', async () => {
    const cache = new DiskResultCache(dir, 3500);
    for (const n of [1, 2, 3]) {
      await cache.set(key(n), result(n));
      const when = new Date(Date.now() - (10 - n) * 60_000);
      await utimes(join(dir, key(n).slice(0, 2), `${key(n)}.bin`), when, when);
    }
    // A fresh instance indexes by file mtime: entry 1 is oldest, but reading it makes entry 2 the oldest.
    const restarted = new DiskResultCache(dir, 3500);
    expect(await restarted.get(key(1))).toBeDefined();
    await restarted.set(key(4), result(4));
    expect(await restarted.get(key(2))).toBeUndefined();
    for (const n of [1, 3, 4]) expect(await restarted.get(key(n))).toBeDefined();
    const stats = await restarted.stats();
    expect(stats.evictions).toBe(1);
    expect(stats.disk.bytes).toBeLessThanOrEqual(3500);
  });

  it('clears every entry', async () => {
    const cache = new DiskResultCache(dir);
    await cache.set(key(1), result(1));
    await cache.set(key(2), result(2));
    expect((await cache.clear()).removedEntries).toBe(2);
    expect(await cache.get(key(1))).toBeUndefined();
  });
});
