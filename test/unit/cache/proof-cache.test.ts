import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryAuthenticator, KEY_FILE } from '../../../src/cache/authenticator.js';
import { DiskProofCache } from '../../../src/cache/proof-cache.js';
import type { Verdict } from '../../../src/protocol/report.js';
import { sha256 } from '../../../src/wasm/ingest.js';

const KEY = 'ab'.repeat(32);
const PROVED: Verdict = { status: 'proved', method: 'smt' };
const REFUTED: Verdict = { status: 'refuted', counterexample: { params: ['0', '-1'] } };

describe('DiskProofCache', () => {
  let dir: string;
  /** A cache over `dir` as a daemon (re)started there would open it. */
  const open = (maxMemoryBytes?: number) => new DiskProofCache(join(dir, 'proofs'), EntryAuthenticator.forDirectory(dir), maxMemoryBytes);
  const entryPath = join('proofs', 'ab', `${KEY}.json`);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atoll-proofs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores entries content-addressed under a two-character shard, authenticated by an HMAC', async () => {
    const cache = open();
    await cache.set(KEY, PROVED);
    const entry = JSON.parse(await readFile(join(dir, entryPath), 'utf8'));
    expect(JSON.parse(entry.verdict)).toEqual(PROVED);
    expect(entry.mac).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers from memory first, then from disk after a restart', async () => {
    const first = open();
    await first.set(KEY, REFUTED);
    expect(await first.get(KEY)).toEqual(REFUTED);
    expect((await first.stats()).memory.hits).toBe(1);

    const restarted = open();
    expect(await restarted.get(KEY)).toEqual(REFUTED);
    const stats = await restarted.stats();
    expect(stats.memory.misses).toBe(1);
    expect(stats.disk.hits).toBe(1);
    expect(stats.disk.entries).toBe(1);
    expect(await restarted.get(KEY)).toEqual(REFUTED);
    expect((await restarted.stats()).memory.hits).toBe(1);
  });

  it('counts a miss for a key it never saw', async () => {
    const cache = open();
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
    await open().set(KEY, PROVED);
    const path = join(dir, entryPath);
    await writeFile(path, damage(await readFile(path, 'utf8')));

    const restarted = open();
    expect(await restarted.get(KEY)).toBeUndefined();
    expect((await restarted.stats()).disk.corrupt).toBe(1);

    await restarted.set(KEY, PROVED);
    expect(await open().get(KEY)).toEqual(PROVED);
  });

  it('treats a verdict edited from refuted to proved, checksum recomputed, as absent', async () => {
    // issue #12: such an edit let a planted miscompile through strict mode, reported "proved".
    await open().set(KEY, REFUTED);
    const path = join(dir, entryPath);
    const entry = JSON.parse(await readFile(path, 'utf8'));
    entry.verdict = JSON.stringify(PROVED);
    entry.mac = sha256(entry.verdict);
    await writeFile(path, JSON.stringify(entry));
    const restarted = open();
    expect(await restarted.get(KEY)).toBeUndefined();
    expect((await restarted.stats()).disk.corrupt).toBe(1);
  });

  it("treats an entry authenticated under another cache's key as absent", async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'atoll-proofs-other-'));
    try {
      await new DiskProofCache(join(dir, 'proofs'), EntryAuthenticator.forDirectory(elsewhere)).set(KEY, PROVED);
      expect(await open().get(KEY)).toBeUndefined();
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('keeps its secret key in a 0600 file made at first use, and replaces one others can read', async () => {
    await open().set(KEY, PROVED);
    const keyFile = join(dir, KEY_FILE);
    const info = await stat(keyFile);
    expect(info.mode & 0o777).toBe(0o600);
    expect(info.size).toBe(32);
    expect(await open().get(KEY)).toEqual(PROVED);

    await chmod(keyFile, 0o644);
    const logs: string[] = [];
    const replaced = new DiskProofCache(join(dir, 'proofs'), EntryAuthenticator.forDirectory(dir, (line) => logs.push(line)));
    expect(logs.join()).toMatch(/can be read or written by others .* replaced by a new key/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await replaced.get(KEY)).toBeUndefined();
  });

  it('bounds the memory tier by bytes and still finds evicted entries on disk', async () => {
    const cache = open(200);
    for (let i = 0; i < 20; i++) await cache.set(i.toString(16).padStart(64, '0'), PROVED);
    const stats = await cache.stats();
    expect(stats.memory.bytes).toBeLessThanOrEqual(200);
    expect(stats.memory.entries).toBeLessThan(20);
    expect(stats.disk.entries).toBe(20);
    expect(await cache.get('0'.repeat(64))).toEqual(PROVED);
  });

  it('keeps keys that are not hex inside its folder', async () => {
    const cache = open();
    await cache.set('../../escape', PROVED);
    expect(await open().get('../../escape')).toEqual(PROVED);
    expect((await cache.stats()).disk.entries).toBe(1);
  });

  it('clears memory and disk', async () => {
    const cache = open();
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

  it('make a second asker of a pair being decided wait for that verdict instead of deciding it again', async () => {
    const { jobVerdicts } = await import('../../../src/verify/proof-cache.js');
    const verdicts = jobVerdicts(undefined);
    const timeout: Verdict = { status: 'unknown', reason: 'timeout' };
    expect(await verdicts.get('pair')).toBeUndefined(); // the first asker misses and claims the pair
    let second: Verdict | undefined | 'waiting' = 'waiting';
    const asked = verdicts.get('pair').then((v) => (second = v));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(second).toBe('waiting');
    await verdicts.set('pair', timeout);
    await asked;
    expect(second).toEqual(timeout);
  });

  it('hand a released claim to the next asker, who then decides the pair itself', async () => {
    const { jobVerdicts } = await import('../../../src/verify/proof-cache.js');
    const verdicts = jobVerdicts(undefined);
    expect(await verdicts.get('pair')).toBeUndefined();
    const second = verdicts.get('pair');
    const third = verdicts.get('pair');
    verdicts.release('pair');
    expect(await second).toBeUndefined(); // the second asker now holds the claim
    let thirdSaw: Verdict | undefined | 'waiting' = 'waiting';
    void third.then((v) => (thirdSaw = v));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(thirdSaw).toBe('waiting');
    await verdicts.set('pair', PROVED);
    expect(await third).toEqual(PROVED);
  });
});
