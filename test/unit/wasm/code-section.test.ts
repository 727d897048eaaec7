import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emitModule, withModule } from '../../../src/wasm/binaryen.js';
import { functionBodies, spliceFunctionBodies, withFunctionBodies } from '../../../src/wasm/code-section.js';
import { ALL_DETECTABLE } from '../../../src/wasm/detect-features.js';

/** argon2-browser's module: binaryen's stack IR optimization rewrites some of its functions at emit. */
const [plain, optimized] = withModule(new Uint8Array(readFileSync('node_modules/argon2-browser/dist/argon2.wasm')), ALL_DETECTABLE,
  (module) => [emitModule(module, true, false), emitModule(module, true, true)]);

describe('spliceFunctionBodies', () => {
  it('takes the chosen bodies from the other writing of the module, and nothing else', () => {
    expect(optimized.length).toBeLessThan(plain.length);
    expect(spliceFunctionBodies(plain, optimized, () => false)).toEqual(plain);
    expect(spliceFunctionBodies(plain, optimized, () => true)).toEqual(optimized);
    const half = spliceFunctionBodies(plain, optimized, (i) => i % 2 === 0)!;
    expect(WebAssembly.validate(half)).toBe(true);
    expect(half.length).toBeGreaterThan(optimized.length);
    expect(half.length).toBeLessThan(plain.length);
  });

  it('refuses modules that differ outside the code section', () => {
    const other = new Uint8Array(readFileSync('examples/demo.wasm'));
    expect(spliceFunctionBodies(plain, other, () => true)).toBeUndefined();
  });
});

describe('withFunctionBodies', () => {
  it('replaces the chosen bodies, sizes included, and keeps every other byte', () => {
    const bodies = functionBodies(plain);
    const longer = Uint8Array.from([...bodies[1]!.subarray(0, -1), 0x01, 0x0b]); // a nop before the final end
    const edited = withFunctionBodies(plain, (i) => (i === 1 ? longer : undefined));
    expect(WebAssembly.validate(edited)).toBe(true);
    expect(edited.length).toBe(plain.length + 1);
    const after = functionBodies(edited);
    expect(after[1]).toEqual(longer);
    expect(after.filter((body, i) => i !== 1)).toEqual(bodies.filter((body, i) => i !== 1));
    expect(withFunctionBodies(plain, () => undefined)).toEqual(plain);
  });
});
