import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../src/protocol/report.js';
import { Verifier } from '../../src/verify/index.js';
import { jobVerdicts } from '../../src/verify/proof-cache.js';
import { BinaryenPool, type VerifyRequest } from '../../src/workers/binaryen-pool.js';
import { FEATURES, moduleWith, wat } from '../unit/verify/pair.js';

/**
 * `atoll verify` as the engine runs it: on a binaryen worker (the 'verify-modules' task), with z3 and the
 * proof cache reached over the task's service port. A check that runs its worker out of memory comes back
 * unknown with the reason; the other checks and the pool go on.
 */

const FUNCS = (f: string, g: string, h: string) => `
  (func $f (param i32) (result i32) ${f})
  (func $g (export "g") (param i32) (result i32) ${g})
  (func $h (export "h") (param i32 i32) (result i32) ${h})`;
const BASE = wat(moduleWith(FUNCS('(i32.mul (local.get 0) (i32.const 8))', '(i32.add (local.get 0) (i32.const 3))', '(i32.sub (local.get 0) (local.get 1))')));
const CANDIDATE = wat(moduleWith(FUNCS('(i32.shl (local.get 0) (i32.const 3))', '(i32.add (local.get 0) (i32.const 4))', '(i32.add (local.get 0) (i32.sub (i32.const 0) (local.get 1)))')));

let verifier: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1 });
  await verifier.warmUp();
});
afterAll(() => verifier.close());

async function request(extra: Partial<VerifyRequest> = {}): Promise<VerifyRequest> {
  const verdicts = jobVerdicts(undefined);
  return {
    base: BASE, candidate: CANDIDATE, flags: FEATURES, z3Version: await verifier.z3Version(), concurrency: 2,
    services: { solve: (q) => verifier.solve(q), proofGet: (k) => verdicts.get(k), proofSet: (k, v) => verdicts.set(k, v) },
    ...extra,
  };
}

/** Per function: 'identical', 'proved' (by whatever method), 'refuted', or the unknown reason. */
const verdicts = (report: VerifyReport) => Object.fromEntries(report.functions.map((f) => {
  const v = f.verdict;
  return [f.name, v.status === 'proved' ? (v.method === 'identical' ? 'identical' : 'proved') : v.status === 'refuted' ? 'refuted' : v.reason];
}));

describe('the verify-modules task', () => {
  it('checks a pair on a worker as the verifier does in process, and reports progress', async () => {
    const pool = new BinaryenPool({ threads: 1 });
    try {
      const progress: number[] = [];
      const report = await pool.verifyModules(await request({ onProgress: (done) => progress.push(done) }));
      expect(verdicts(report)).toEqual({ ext: 'identical', inc: 'identical', f: 'proved', g: 'refuted', h: 'proved' });
      expect(report.module.accepted).toBe(true);
      expect(progress.at(-1)).toBe(5);
      const inProcess = await verifier.verifyModules(BASE, CANDIDATE, { featureFlags: FEATURES });
      expect(verdicts(report)).toEqual(verdicts(inProcess));
      expect(pool.stats.completed).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it.each([1, 2])('turns a check that runs its worker out of memory into unknown (out-of-memory), %i check(s) in flight', { timeout: 120_000 }, async (concurrency) => {
    const pool = new BinaryenPool({ threads: 1, maxHeapMb: 96 });
    try {
      const report = await pool.verifyModules(await request({ concurrency, plantMemoryExhaustion: 'h' }));
      const h = report.functions.find((f) => f.name === 'h')!.verdict;
      expect(h.status === 'unknown' && h.reason, JSON.stringify(h)).toBe('out-of-memory');
      expect(verdicts(report)).toMatchObject({ f: 'proved', g: 'refuted' });
      // The pool replaced the thread and goes on.
      const again = await pool.verifyModules(await request());
      expect(verdicts(again)).toMatchObject({ h: 'proved' });
    } finally {
      await pool.close();
    }
  });
});
