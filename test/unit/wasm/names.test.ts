import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { functionBodySizes, nameEveryFunctionAndGlobal } from '../../../src/wasm/names.js';

/** Names of one kind (1 functions, 7 globals) from the name section, by index (a tiny parse of the section). */
function functionNames(bytes: Uint8Array, subsection = 1): Map<number, string> {
  const module = new WebAssembly.Module(bytes);
  const [section] = WebAssembly.Module.customSections(module, 'name');
  const names = new Map<number, string>();
  if (!section) return names;
  const data = new Uint8Array(section);
  let offset = 0;
  const u32 = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = data[offset++]!;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  };
  while (offset < data.length) {
    const id = data[offset++]!;
    const size = u32();
    const end = offset + size;
    if (id === subsection) {
      for (let n = u32(); n > 0; n--) {
        const index = u32();
        const length = u32();
        names.set(index, new TextDecoder().decode(data.subarray(offset, offset + length)));
        offset += length;
      }
    }
    offset = end;
  }
  return names;
}

describe('nameEveryFunctionAndGlobal', () => {
  it('names the unnamed functions and keeps existing names', () => {
    const demo = new Uint8Array(readFileSync('examples/demo.wasm'));
    const before = functionNames(demo);
    expect(before.has(6)).toBe(false);
    const after = functionNames(nameEveryFunctionAndGlobal(demo));
    expect(after.get(6)).toBe('fn6');
    for (const [index, name] of before) expect(after.get(index)).toBe(name);
    expect(after.size).toBe(7);
  });

  it('adds a name section to a module without one, counting imported functions', () => {
    // (import "env" "f" (func)) (func) (func): three functions, none named.
    const module = new Uint8Array([
      0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      1, 4, 1, 0x60, 0, 0,
      2, 9, 1, 3, 0x65, 0x6e, 0x76, 1, 0x66, 0, 0,
      3, 3, 2, 0, 0,
      10, 7, 2, 2, 0, 0x0b, 2, 0, 0x0b,
    ]);
    const named = nameEveryFunctionAndGlobal(module);
    expect(WebAssembly.validate(named)).toBe(true);
    expect([...functionNames(named)]).toEqual([[0, 'fn0'], [1, 'fn1'], [2, 'fn2']]);
  });

  it('names the globals too, imported ones first, as binaryen numbers them', () => {
    const asSha256 = new Uint8Array(readFileSync('node_modules/@chainsafe/as-sha256/build/optimized.wasm'));
    expect(functionNames(asSha256, 7).size).toBe(0);
    const globals = functionNames(nameEveryFunctionAndGlobal(asSha256), 7);
    expect(globals.size).toBe(37);
    expect(globals.get(0)).toBe('global0');
    expect(globals.get(36)).toBe('global36');
  });

  it('leaves a fully named module alone', () => {
    const once = nameEveryFunctionAndGlobal(new Uint8Array(readFileSync('examples/demo.wasm')));
    expect(nameEveryFunctionAndGlobal(once)).toBe(once);
  });
});

describe('functionBodySizes', () => {
  it('gives each named function its code-section body size, counting imports in the index space', () => {
    const demo = nameEveryFunctionAndGlobal(new Uint8Array(readFileSync('examples/demo.wasm')));
    const sizes = functionBodySizes(demo);
    expect([...sizes.keys()].sort()).toEqual(['add', 'dead', 'fn6', 'ratio', 'scale', 'store_load', 'sum']);
    // $dead is (i32.mul (local.get 0) (local.get 0)): 0 local groups, 2+2+1 bytes of code, end.
    expect(sizes.get('dead')).toBe(1 + 5 + 1);
    expect(sizes.get('sum')!).toBeGreaterThan(sizes.get('add')!);
  });
});
