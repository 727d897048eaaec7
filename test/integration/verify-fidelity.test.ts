import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SolverPool } from '../../src/verify/solver-pool.js';
import { Prng } from '../../src/util/prng.js';
import { FEATURES, wat } from '../unit/verify/pair.js';
import { fidelity, type FidelityStats } from './fidelity.js';
import { generatedModule } from './verify-generator.js';

/**
 * Encoder fidelity (see fidelity.ts): the SMT encoding of each function, evaluated on concrete inputs, gives
 * what V8 gives; the evaluator agrees with z3 on a sample. `npm run bench:fidelity` runs the big count.
 */
let pool: SolverPool;
beforeAll(async () => {
  pool = new SolverPool(1);
  await pool.warmUp();
});
afterAll(() => pool.close());

function expectFaithful(what: string, stats: FidelityStats, minimum: number): void {
  console.log(`${what}: ${stats.functions} functions evaluated, ${stats.skipped} not evaluable, ${stats.evaluations} evaluations (${stats.byZ3} also by z3), ${stats.mismatches.length} mismatches`);
  expect(stats.mismatches).toEqual([]);
  expect(stats.evaluatorMismatches).toEqual([]);
  expect(stats.evaluations).toBeGreaterThan(minimum);
  expect(stats.byZ3).toBeGreaterThan(0);
}

describe('encoder fidelity against V8', () => {
  it('agrees with V8 on generated functions', { timeout: 240_000 }, async () => {
    const stats = await fidelity(wat(generatedModule(new Prng(7), 30)), { features: FEATURES, perFunction: 20, seed: 1, z3Every: 40, pool });
    expectFaithful('generated', stats, 400);
  });
  it.each(['node_modules/@chainsafe/as-sha256/build/optimized.wasm', 'node_modules/rabin-wasm/dist/rabin.wasm'])('agrees with V8 on the functions of %s', { timeout: 240_000 }, async (path) => {
    const stats = await fidelity(new Uint8Array(readFileSync(path)), { features: FEATURES, perFunction: 8, seed: 2, z3Every: 20, pool });
    expectFaithful(path, stats, 20);
  });
});
