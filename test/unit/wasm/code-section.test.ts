import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emitModule, withModule } from '../../../src/wasm/binaryen.js';
import { spliceFunctionBodies } from '../../../src/wasm/code-section.js';
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
