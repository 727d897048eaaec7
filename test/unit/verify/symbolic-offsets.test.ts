import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Verifier } from '../../../src/verify/index.js';
import { readDataSegments } from '../../../src/wasm/data-section.js';
import { FEATURES, wat } from './pair.js';

/**
 * Emscripten's dynamically linked modules (tree-sitter's) place their data and table entries relative to
 * imported globals (`__memory_base`, `__table_base`); binaryen.js cannot report such data segments.
 */
function linked(data: string, elem: string, body: string): Uint8Array {
  return wat(`(module
    (import "env" "__memory_base" (global $mb i32))
    (import "env" "__table_base" (global $tb i32))
    (import "env" "memory" (memory 1))
    (import "env" "table" (table 4 funcref))
    (data (offset (global.get $mb)) "${data}")
    (elem (offset (global.get $tb)) ${elem})
    (func $f (param i32) (result i32) ${body})
    (func $g (param i32) (result i32) (local.get 0))
    (export "f" (func $f)))`);
}

const BASE = linked('abc', '$f $g', '(i32.mul (local.get 0) (i32.const 2))');

describe('segments placed relative to a global', () => {
  let verifier: Verifier;
  beforeAll(async () => {
    verifier = new Verifier({ threads: 1 });
    await verifier.warmUp();
  });
  afterAll(() => verifier.close());

  it('reads such data segments from the binary: the global and the bytes', () => {
    expect(readDataSegments(BASE)).toEqual([{ passive: false, offset: { global: 0, value: 0 }, bytes: new Uint8Array([97, 98, 99]) }]);
  });

  it('accepts a proved change when segments and slots stay where they were', async () => {
    const report = await verifier.verifyModules(BASE, linked('abc', '$f $g', '(i32.shl (local.get 0) (i32.const 1))'), { featureFlags: FEATURES });
    expect(report.totals.proved).toBe(1);
    expect(report.module.findings).toEqual(['module structure unchanged']);
    expect(report.module.accepted).toBe(true);
  });

  it('refuses other bytes, and the slots of a rearranged table', async () => {
    const otherBytes = await verifier.verifyModules(BASE, linked('abd', '$f $g', '(i32.shl (local.get 0) (i32.const 1))'), { featureFlags: FEATURES });
    expect(otherBytes.module.accepted).toBe(false);
    const swapped = await verifier.verifyModules(BASE, linked('abc', '$g $f', '(i32.shl (local.get 0) (i32.const 1))'), { featureFlags: FEATURES });
    expect(swapped.module.accepted).toBe(false);
    expect(swapped.module.findings.join('\n')).toMatch(/table slot \S+\[tb\+0\] resolves to g instead of f/);
  });
});
