import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/util/prng.js';
import { FEATURES, wat } from '../unit/verify/pair.js';
import { fidelity, type FidelityStats } from '../../src/verify/fidelity.js';
import { generatedModule } from './verify-generator.js';

/**
 * Value-graph fidelity (see fidelity.ts): each function's graph, evaluated on concrete inputs, gives what V8
 * gives through the run harness. `npm run bench:fidelity` runs the big count.
 */
function expectFaithful(what: string, stats: FidelityStats, minimum: number): void {
  console.log(`${what}: ${stats.functions} functions evaluated, ${stats.skipped} not evaluable, ${stats.evaluations} evaluations, ${stats.mismatches.length} mismatches`);
  expect(stats.mismatches).toEqual([]);
  expect(stats.evaluations).toBeGreaterThan(minimum);
}

describe('value-graph fidelity against V8', () => {
  it('agrees with V8 on generated functions', () => {
    expectFaithful('generated', fidelity(wat(generatedModule(new Prng(7), 30)), { features: FEATURES, perFunction: 40, seed: 1 }), 1000);
  });
  it.each(['node_modules/@chainsafe/as-sha256/build/optimized.wasm', 'node_modules/rabin-wasm/dist/rabin.wasm'])('agrees with V8 on the functions of %s', { timeout: 300_000 }, (path) => {
    expectFaithful(path, fidelity(new Uint8Array(readFileSync(path)), { features: FEATURES, perFunction: 8, seed: 2 }), 0);
  });
});
