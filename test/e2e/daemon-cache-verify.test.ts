import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Caches } from '../../src/cache/caches.js';
import type { CacheVerifyResult } from '../../src/protocol/index.js';
import { Engine } from '../../src/engine/engine.js';
import { withConstantChanged } from '../integration/evidence.js';
import { ROOT, runCli, tempHome, type TempHome } from './daemon-harness.js';

/** `atoll cache verify`: cached proofs checked again from the evidence kept with them. */

const DEMO = join(ROOT, 'examples/demo.wasm');

let home: TempHome;
beforeAll(async () => {
  home = await tempHome();
});
afterAll(async () => {
  await runCli(home, ['daemon', 'stop']);
  await home.cleanup();
});

describe('atoll cache verify', () => {
  it('confirms the proofs a strict run cached, and removes entries that do not hold up', async () => {
    const optimized = await runCli(home, ['optimize', DEMO, '-o', join(home.dir, 'demo.opt.wasm'), '--generations', '2', '--islands', '2']);
    expect(optimized.code, optimized.stderr).toBe(0);

    const clean = await runCli(home, ['cache', 'verify', '--sample', '1000', '--json']);
    expect(clean.code, clean.stderr).toBe(0);
    const first = JSON.parse(clean.stdout) as CacheVerifyResult;
    expect(first.checked).toBeGreaterThan(0);
    expect(first.confirmed).toBe(first.checked);

    // Two authentic entries that are wrong, as a verifier bug would write them: a proof of a pair that
    // differs, and a proof whose evidence is some other pair than its key names.
    const proofs = new Caches(home.cacheDir).proofs;
    const { sample } = await proofs.sampleProved(1000);
    const differing = sample.map((entry) => withConstantChanged(entry.evidence)).find((e) => e !== undefined)!;
    const differingKey = 'ab'.repeat(32);
    const strayKey = 'cd'.repeat(32);
    await proofs.set(differingKey, { status: 'proved', method: 'smt' }, () => differing);
    await proofs.set(strayKey, { status: 'proved', method: 'smt' }, () => sample[0]!.evidence);

    const planted = await runCli(home, ['cache', 'verify', '--sample', '1000', '--json']);
    expect(planted.code).toBe(1);
    const second = JSON.parse(planted.stdout) as CacheVerifyResult;
    expect(second.failed.map((f) => f.key).sort()).toEqual([differingKey, strayKey]);
    expect(second.failed.every((f) => f.keyMatches === false)).toBe(true);
    expect(second.confirmed).toBe(first.confirmed);

    const text = await runCli(home, ['cache', 'verify']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/checked \d+ cached proofs again .*: \d+ confirmed, 0 removed/);
  });

  it('removes an entry whose evidence is what its key names but which is not proved again', async () => {
    const proofs = new Caches(home.cacheDir).proofs;
    const { sample } = await proofs.sampleProved(1000);
    // A changed constant may not change behaviour (dead code, a value masked away): such a pair is rightly
    // proved again, so the plant is the first changed pair this build's verifier does not prove.
    let planted: { evidence: NonNullable<ReturnType<typeof withConstantChanged>>; key: string } | undefined;
    for (const entry of sample) {
      const evidence = withConstantChanged(entry.evidence);
      if (!evidence) continue;
      const decided = await recheck(evidence);
      if (decided.verdict.status !== 'proved') {
        planted = { evidence, key: decided.key };
        break;
      }
    }
    expect(planted, 'a cached proof whose pair, with one constant changed, is not proved').toBeDefined();
    const { evidence: differing, key: ownKey } = planted!;
    // Planted under its own key, the entry is what its key says, and the verifier decides it.
    await proofs.set(ownKey, { status: 'proved', method: 'smt' }, () => differing);
    const result = await runCli(home, ['cache', 'verify', '--sample', '1000', '--json']);
    expect(result.code).toBe(1);
    const failed = (JSON.parse(result.stdout) as CacheVerifyResult).failed;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ key: ownKey, keyMatches: true });
    expect(failed[0]!.verdict?.status).not.toBe('proved');
  });
});

/** The key this build's verifier gives the evidence (what the daemon computes when it checks it), and its verdict. */
async function recheck(evidence: Parameters<typeof withConstantChanged>[0]): Promise<{ key: string; verdict: { status: string } }> {
  const engine = new Engine({ islandThreads: 1, solverThreads: 1 });
  try {
    return await engine.recheckProof(evidence);
  } finally {
    await engine.close();
  }
}
