import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Caches } from '../../src/cache/caches.js';
import { Engine } from '../../src/engine/engine.js';
import { sha256 } from '../../src/wasm/ingest.js';
import { withConstantChanged } from './evidence.js';

/**
 * issue #12, "Wrong answers from the caches": a proof entry edited from refuted to proved let a planted
 * miscompile through strict mode (`scale(3)` returned 25 instead of 24, reported "proved"); and what a cached
 * proof can be checked again from.
 */

const demo = () => new Uint8Array(readFileSync('examples/demo.wasm'));
const scale = (bytes: Uint8Array, x: number) =>
  (new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as { scale(x: number): number }).scale(x);

let dir: string;
/** An engine over the caches in `dir`, as a daemon (re)started there would have. */
function engineOver(caches: Caches): Engine {
  return new Engine({ islandThreads: 1, solverThreads: 1, proofCache: caches.proofs, resultCache: caches.results });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atoll-cache-trust-'));
  process.env['ATOLL_TEST_HOOKS'] = '1';
});
afterAll(async () => {
  delete process.env['ATOLL_TEST_HOOKS'];
  await rm(dir, { recursive: true, force: true });
});

describe('a proof entry edited from refuted to proved', () => {
  it('does not let a planted miscompile through strict mode', async () => {
    const first = new Caches(dir);
    const engine = engineOver(first);
    try {
      const { report } = await engine.optimize(demo(), { islands: 1, generations: 0, plantFault: 'scale' });
      expect(report.rejected?.find((f) => f.name === 'scale')?.verdict.status).toBe('refuted');
    } finally {
      await engine.close();
    }
    // The forger's edit: the verdict made "proved", the check field recomputed as a checksum of it.
    let edited = 0;
    for (const { path } of await listEntries(join(dir, 'proofs'))) {
      const entry = JSON.parse(await readFile(path, 'utf8')) as { verdict: string; mac: string };
      if (!entry.verdict.includes('"refuted"')) continue;
      entry.verdict = JSON.stringify({ status: 'proved', method: 'smt' });
      entry.mac = sha256(entry.verdict);
      await writeFile(path, JSON.stringify(entry));
      edited++;
    }
    expect(edited).toBeGreaterThan(0);
    await first.results.clear();

    const restarted = new Caches(dir);
    const again = engineOver(restarted);
    try {
      const { output, report } = await again.optimize(demo(), { islands: 1, generations: 0, plantFault: 'scale' });
      expect(report.rejected?.find((f) => f.name === 'scale')?.verdict.status).toBe('refuted');
      expect(scale(output, 3)).toBe(24);
      expect((await restarted.proofs.stats()).disk.corrupt).toBe(edited);
    } finally {
      await again.close();
    }
  });
});

describe('proved entries keep what they can be checked again from', () => {
  let caches: Caches;
  let engine: Engine;
  beforeAll(async () => {
    await rm(dir, { recursive: true, force: true });
    caches = new Caches(dir);
    engine = engineOver(caches);
    await engine.optimize(demo(), { islands: 2, generations: 2, seed: 3 });
  });
  afterAll(() => engine.close());

  it('their evidence hashes to their key and is proved again', async () => {
    const { sample } = await caches.proofs.sampleProved(100);
    expect(sample.length).toBeGreaterThan(0);
    for (const entry of sample) {
      const again = await engine.recheckProof(entry.evidence);
      expect(again.key, entry.key).toBe(entry.key);
      expect(again.verdict.status, entry.key).toBe('proved');
    }
  });

  it('a pair that differs is not proved again from its evidence', async () => {
    const { sample } = await caches.proofs.sampleProved(100);
    const wrong = sample.map((entry) => withConstantChanged(entry.evidence)).find((e) => e !== undefined);
    expect(wrong).toBeDefined();
    const again = await engine.recheckProof(wrong!);
    expect(sample.map((e) => e.key)).not.toContain(again.key);
    expect(again.verdict.status).not.toBe('proved');
  });
});

async function listEntries(root: string): Promise<Array<{ path: string }>> {
  const { ContentStore } = await import('../../src/cache/content-store.js');
  return new ContentStore(root, 'json').list();
}
