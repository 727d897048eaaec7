import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModuleContext } from '../../../src/verify/context.js';
import { encodeFunctionPair, observables } from '../../../src/verify/encode/query.js';
import { readIr } from '../../../src/verify/index.js';
import { FEATURES } from './pair.js';

/**
 * A function paired with itself must meet in the value graph on every observable (bench:graph-self checks
 * every corpus function; this keeps the hardest cases found in the suite). argon2-browser's fn27 (1290
 * expressions, 16 loops, locals entering its outer loop with the same value) did not: its loop was surveyed
 * without the known bits and invariants the base loop was built with, so no local's role matched its own
 * and the outer loop was related to itself wrongly.
 */
describe('the value graph on a function paired with itself', () => {
  it("meets on every observable of argon2-browser's three largest functions", () => {
    const bytes = new Uint8Array(readFileSync('node_modules/argon2-browser/dist/argon2.wasm'));
    const ctx = new ModuleContext(readIr(bytes, FEATURES));
    const largest = [...ctx.functions.values()].filter((f) => f.body).sort((a, b) => b.size - a.size).slice(0, 3);
    expect(largest.map((f) => f.size)).toEqual([2928, 1290, 1181]);
    const unmet = largest.map((fn) => {
      const encoding = encodeFunctionPair(fn, fn, ctx, ctx);
      return `${fn.size}: ${observables(encoding.shared, encoding.a, encoding.b).map((o) => o.name).join(', ')}`;
    });
    expect(unmet).toEqual(['2928: ', '1290: ', '1181: ']);
  });
});
