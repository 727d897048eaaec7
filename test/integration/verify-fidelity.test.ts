import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fidelity } from '../../src/verify/fidelity.js';
import { Prng } from '../../src/util/prng.js';
import { FEATURES, wat } from '../unit/verify/pair.js';
import { generatedModule } from './verify-generator.js';

/**
 * The value graph against V8 (src/verify/fidelity.ts): generated functions and real modules' functions, as
 * the checker encodes them, evaluated on random inputs. That each operator's SMT meaning equals its concrete
 * meaning is checked in test/unit/verify/graph-semantics.test.ts, and each rule in graph-rules.test.ts.
 */

describe('value-graph fidelity against V8', () => {
  it('agrees with V8 on generated functions', () => {
    const stats = fidelity(wat(generatedModule(new Prng(7), 30)), FEATURES, 40, 1);
    console.log(`generated: ${stats.functions} functions, ${stats.evaluations} evaluations, ${stats.skipped} skipped, ${stats.mismatches.length} mismatches`);
    expect(stats.mismatches).toEqual([]);
    expect(stats.evaluations).toBeGreaterThan(1000);
  });
  it.each(['node_modules/@chainsafe/as-sha256/build/optimized.wasm', 'node_modules/rabin-wasm/dist/rabin.wasm'])('agrees with V8 on the functions of %s', { timeout: 300_000 }, (path) => {
    const stats = fidelity(new Uint8Array(readFileSync(path)), FEATURES, 8, 2);
    console.log(`${path}: ${stats.functions} functions evaluated, ${stats.evaluations} evaluations, ${stats.skipped} not evaluable, ${stats.mismatches.length} mismatches`);
    expect(stats.mismatches).toEqual([]);
    expect(stats.evaluations).toBeGreaterThan(0);
  });
});
