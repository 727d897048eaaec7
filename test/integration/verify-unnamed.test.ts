import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { binaryen, emitModule, withModule } from '../../src/wasm/binaryen.js';
import { ALL_DETECTABLE } from '../../src/wasm/detect-features.js';

const asSha256 = () => new Uint8Array(readFileSync('node_modules/@chainsafe/as-sha256/build/optimized.wasm'));

/** binaryen -Oz written without a name section, as wasm-opt writes it unless asked. */
function ozWithoutNames(bytes: Uint8Array): Uint8Array {
  return withModule(bytes, ALL_DETECTABLE, (module) => {
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(2);
    module.optimize();
    return emitModule(module, false);
  });
}

describe('atoll verify of a module without names (the engine, as the daemon runs it)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = new Engine({ islandThreads: 1, solverThreads: 1 });
    await engine.warmUp();
  });
  afterAll(() => engine.close());

  it('verifies as-sha256 against its -Oz without names: every candidate function matched, module accepted, nothing refuted', async () => {
    const input = asSha256();
    const report = await engine.verify(input, ozWithoutNames(input));
    expect(report.unmatched.candidate).toEqual([]);
    expect(report.module.accepted).toBe(true);
    expect(report.totals.refuted).toBe(0);
    expect(report.totals.proved).toBeGreaterThan(0);
  });
});
