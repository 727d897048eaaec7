import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheClearRequest, CacheStatsRequest, OptimizeRequest } from '../../src/protocol/index.js';
import { FAST, initialized, ROOT, SMALL_WASM, spawnDaemon, stdioConnection, tempHome, type TempHome } from './daemon-harness.js';

let home: TempHome;
beforeEach(async () => {
  home = await tempHome();
});
afterEach(async () => {
  await home.cleanup();
});

/** One stdio daemon for the duration of `use`, stopped cleanly afterwards (so each call is a restart). */
async function withDaemon<T>(use: (connection: ReturnType<typeof stdioConnection>) => Promise<T>): Promise<T> {
  const daemon = spawnDaemon(home, ['--stdio']);
  const connection = stdioConnection(daemon);
  await initialized(connection);
  try {
    return await use(connection);
  } finally {
    daemon.child.stdin!.end();
    await daemon.exited;
  }
}

const optimize = (connection: ReturnType<typeof stdioConnection>) =>
  connection.sendRequest(OptimizeRequest.type, { input: { path: SMALL_WASM }, options: FAST });

async function resultEntries(): Promise<string[]> {
  const root = join(home.cacheDir, 'results');
  const shards = await readdir(root);
  const files = await Promise.all(shards.map(async (shard) => (await readdir(join(root, shard))).map((name) => join(root, shard, name))));
  return files.flat().filter((path) => path.endsWith('.bin'));
}

describe('caches through the daemon', () => {
  it('answers an unchanged module from the result cache after a restart, with the same bytes', async () => {
    const cold = await withDaemon(optimize);
    expect(cold.report.cached).toBe(false);
    const { warm, stats } = await withDaemon(async (connection) => ({
      warm: await optimize(connection),
      stats: await connection.sendRequest(CacheStatsRequest.type),
    }));
    expect(warm.report.cached).toBe(true);
    expect(warm.outputBase64).toBe(cold.outputBase64);
    expect(stats.results.disk).toMatchObject({ entries: 1, hits: 1, corrupt: 0 });
    expect(stats.directory).toBe(home.cacheDir);
  });

  it('ignores a corrupted result entry, recomputes, and rewrites it', async () => {
    const cold = await withDaemon(optimize);
    const [entry] = await resultEntries();
    const raw = await readFile(entry!);
    await writeFile(entry!, raw.subarray(0, raw.length - 10));

    const { again, stats } = await withDaemon(async (connection) => ({
      again: await optimize(connection),
      stats: await connection.sendRequest(CacheStatsRequest.type),
    }));
    expect(again.report.cached).toBe(false);
    expect(again.outputBase64).toBe(cold.outputBase64);
    expect(stats.results.disk.corrupt).toBe(1);
    expect(stats.results.disk.entries).toBe(1);

    const third = await withDaemon(optimize);
    expect(third.report.cached).toBe(true);
  });

  it('keeps proofs across a restart: a new job on the same functions takes its verdicts from the disk tier', async () => {
    const demo = join(ROOT, 'examples/demo.wasm');
    // Different seeds: the result cache cannot answer, so the second daemon must verify again.
    const strict = (seed: number) => ({ input: { path: demo }, options: { generations: 1, islands: 2, seed, verify: 'strict' as const } });
    const cold = await withDaemon((connection) => connection.sendRequest(OptimizeRequest.type, strict(1)));
    const solved = cold.report.verification!.functions.filter((f) => f.verdict.method !== 'identical' && !f.cached);
    expect(solved.length).toBeGreaterThan(0);
    const { warm, stats } = await withDaemon(async (connection) => ({
      warm: await connection.sendRequest(OptimizeRequest.type, strict(2)),
      stats: await connection.sendRequest(CacheStatsRequest.type),
    }));
    expect(warm.report.cached).toBe(false);
    expect(stats.proofs.disk.hits).toBeGreaterThan(0);
    const reused = warm.report.verification!.functions.filter((f) => f.cached).map((f) => f.name);
    for (const f of solved.filter((f) => f.verdict.method === 'smt')) expect(reused, f.name).toContain(f.name);
  });

  it('clears the caches on request', async () => {
    await withDaemon(async (connection) => {
      await optimize(connection);
      const cleared = await connection.sendRequest(CacheClearRequest.type, {});
      expect(cleared.removedEntries).toBe(1);
      expect(cleared.removedBytes).toBeGreaterThan(0);
      expect((await connection.sendRequest(CacheStatsRequest.type)).results.disk.entries).toBe(0);
      expect((await optimize(connection)).report.cached).toBe(false);
    });
  });
});
