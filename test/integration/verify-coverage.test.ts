import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Verifier } from '../../src/verify/index.js';
import { selfCheckCoverage } from '../../src/verify/self-check.js';
import { FEATURES } from '../unit/verify/pair.js';

/** binaryen's -Oz of a real module against its input: nothing refuted, the module check passes, some proofs. */
let verifier: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1, timeoutMs: 2000 });
  await verifier.warmUp();
});
afterAll(() => verifier.close());

describe('verifying binaryen -Oz of as-sha256', () => {
  it('refutes nothing, accepts the module structure and proves some changed functions', { timeout: 180_000 }, async () => {
    const c = await selfCheckCoverage(verifier, new Uint8Array(readFileSync('node_modules/@chainsafe/as-sha256/build/optimized.wasm')), FEATURES);
    const t = c.report.totals;
    console.log(`changed ${t.changed}, proved ${t.proved} (${t.coverage} %), unknown ${JSON.stringify(t.unknownBy)}, median ${c.medianMs} ms`);
    expect(t.refuted).toBe(0);
    expect(c.report.module.accepted).toBe(true);
    expect(t.changed).toBeGreaterThan(0);
    expect(t.proved).toBeGreaterThan(0);
    expect(t.proved + t.refuted + t.unknown).toBe(t.changed);
  });
});
