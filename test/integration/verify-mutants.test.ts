import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Verifier } from '../../src/verify/index.js';
import { binaryen } from '../../src/wasm/binaryen.js';
import { Prng } from '../../src/util/prng.js';
import { FEATURES } from '../unit/verify/pair.js';
import { generatedModule } from './verify-generator.js';
import { mutantCampaign, type CampaignResult } from './mutant-campaign.js';

/**
 * Seeded miscompiles (see mutant-campaign.ts) on functions optimized by binaryen -Oz: every mutant that
 * behaves differently on some run must be refuted, none proved — on functions the generator wrote and on a
 * real module's (the bench runs the big campaign over more modules).
 */

let verifier: Verifier;
let patient: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1 });
  patient = new Verifier({ threads: 1, timeoutMs: 20_000 });
  await Promise.all([verifier.warmUp(), patient.warmUp()]);
});
afterAll(() => Promise.all([verifier.close(), patient.close()]));

/** `-Oz` of a module, emitted with names (as the verifier receives modules). */
function optimized(module: binaryen.Module): Uint8Array {
  try {
    module.setFeatures(FEATURES);
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(2);
    module.optimize();
    binaryen.setDebugInfo(true);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

function expectAllRefuted(result: CampaignResult, minimum: number): void {
  console.log(JSON.stringify(result.total), JSON.stringify(result.byKind));
  expect(result.wrong).toEqual([]);
  expect(result.total.different).toBeGreaterThan(minimum);
}

describe('seeded miscompiles', () => {
  it('refutes every mutant of generated functions that behaves differently, and proves none of them', { timeout: 300_000 }, async () => {
    const base = optimized(binaryen.parseText(generatedModule(new Prng(11), 12)));
    expectAllRefuted(await mutantCampaign(base, verifier, patient, { features: FEATURES, seed: 5 }), 40);
  });

  it('refutes every mutant of a real module that behaves differently (as-sha256, small functions)', { timeout: 600_000 }, async () => {
    // A module the generator did not write: AssemblyScript's output, with loops, globals and memory.
    const original = new Uint8Array(readFileSync('node_modules/@chainsafe/as-sha256/build/optimized.wasm'));
    const base = optimized(binaryen.readBinary(original));
    expectAllRefuted(await mutantCampaign(base, verifier, patient, { features: FEATURES, seed: 3, functions: (fn) => fn.size <= 60 }), 10);
  });
});
