import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskProofCache } from '../../../src/cache/proof-cache.js';
import type { Verdict } from '../../../src/protocol/report.js';

const KEY = 'ab'.repeat(32);
const PROVED: Verdict = { status: 'proved', method: 'smt' };
const REFUTED: Verdict = { status: 'refuted', counterexample: { params: ['0', '-1'] } };

describe('DiskProofCache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atoll-proofs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores entries content-addressed under a two-character shard with a payload checksum', async () => {
    const cache = new DiskProofCache(dir);
    await cache.set(KEY, PROVED);
    const entry = JSON.parse(await readFile(join(dir, 'ab', `${KEY}.json`), 'utf8'));
    expect(JSON.parse(entry.payload)).toEqual(PROVED);
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers from memory first, then from disk after a restart', async () => {
    const first = new DiskProofCache(dir);
    await first.set(KEY, REFUTED);
    expect(await first.get(KEY)).toEqual(REFUTED);
    expect((await first.stats()).memory.hits).toBe(1);

    const restarted = new DiskProofCache(dir);
    expect(await restarted.get(KEY)).toEqual(REFUTED);
    const stats = await restarted.stats();
    expect(stats.memory.misses).toBe(1);
    expect(stats.disk.hits).toBe(1);
    expect(stats.disk.entries).toBe(1);
    expect(await restarted.get(KEY)).toEqual(REFUTED);
    expect((await restarted.stats()).memory.hits).toBe(1);
  });

  it('counts a miss for a key it never saw', async () => {
    const cache = new DiskProofCache(dir);
    expect(await cache.get('cd'.repeat(32))).toBeUndefined();
    const stats = await cache.stats();
    expect(stats.disk.misses).toBe(1);
    expect(stats.disk.entries).toBe(0);
  });

  it.each([
    ['a truncated entry', (text: string) => text.slice(0, text.length - 9)],
    ['an edited verdict', (text: string) => text.replace('proved', 'refuted')],
    ['garbage', () => '\u0000\u0001 not json'],
  ])('ignores %s, counts it, and rewrites it on the next set', async (_label, damage) => {
    await new DiskProofCache(dir).set(KEY, PROVED);
    const path = join(dir, 'ab', `${KEY}.json`);
    await writeFile(path, damage(await readFile(path, 'utf8')));

    const restarted = new DiskProofCache(dir);
    expect(await restarted.get(KEY)).toBeUndefined();
    expect((await restarted.stats()).disk.corrupt).toBe(1);

    await restarted.set(KEY, PROVED);
    expect(await new DiskProofCache(dir).get(KEY)).toEqual(PROVED);
  });

  it('bounds the memory tier by bytes and still finds evicted entries on disk', async () => {
    const cache = new DiskProofCache(dir, 200);
    for (let i = 0; i < 20; i++) await cache.set(i.toString(16).padStart(64, '0'), PROVED);
    const stats = await cache.stats();
    expect(stats.memory.bytes).toBeLessThanOrEqual(200);
    expect(stats.memory.entries).toBeLessThan(20);
    expect(stats.disk.entries).toBe(20);
    expect(await cache.get('0'.repeat(64))).toEqual(PROVED);
  });

  it('keeps keys that are not hex inside its folder', async () => {
    const cache = new DiskProofCache(dir);
    await cache.set('../../escape', PROVED);
    expect(await new DiskProofCache(dir).get('../../escape')).toEqual(PROVED);
    expect((await cache.stats()).disk.entries).toBe(1);
  });

  it('clears memory and disk', async () => {
    const cache = new DiskProofCache(dir);
    await cache.set(KEY, PROVED);
    expect(await cache.clear()).toMatchObject({ removedEntries: 1 });
    expect(await cache.get(KEY)).toBeUndefined();
  });
});

describe('what the job verdicts keep', () => {
  it('keep a refutation found by running for the job only, never in the persistent cache', async () => {
    const { jobVerdicts } = await import('../../../src/verify/proof-cache.js');
    const kept = new Map<string, Verdict>();
    const persistent = { get: async (key: string) => kept.get(key), set: async (key: string, verdict: Verdict) => { kept.set(key, verdict); } };
    const session = new Map<string, Verdict>();
    const verdicts = jobVerdicts(persistent, session);
    const byRun: Verdict = { status: 'refuted', counterexample: { params: ['i32.const 0'], foundBy: 'run' } };
    const bySolver: Verdict = { status: 'refuted', counterexample: { params: ['i32.const 0'], foundBy: 'solver' } };
    await verdicts.set('run', byRun);
    await verdicts.set('solver', bySolver);
    expect(await verdicts.get('run')).toEqual(byRun);
    expect([...kept.keys()]).toEqual(['solver']);
  });
});
