import { describe, expect, it } from 'vitest';
import { assemble } from '../../../src/workers/assemble.js';
import { binaryen, emitModule } from '../../../src/wasm/binaryen.js';
import { DEFAULT_KNOBS } from '../../../src/islands/genome.js';
import type { AssembleResult } from '../../../src/workers/binaryen-tasks.js';

/** Named bytes of a module written in text, as the search emits them. */
function wasm(text: string): Uint8Array {
  const module = binaryen.parseText(text);
  try {
    return emitModule(module, true, false);
  } finally {
    module.dispose();
  }
}

function run(input: string, base: string, donors: string[], flags: number = binaryen.Features.MVP): Extract<AssembleResult, { ok: true }> {
  const result = assemble(
    binaryen,
    { kind: 'assemble', input: wasm(input), base: wasm(base), donors: donors.map(wasm), flags, knobs: DEFAULT_KNOBS, objective: 'size' },
    (_module, size) => ({ size, value: size }),
  );
  if (!result.ok) throw new Error(result.error);
  return result;
}

/** A module with the functions the cases share; `f`'s body and extra declarations vary per case. */
const module = (f: string, extra = '', helper = '(func $helper (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))') => `
  (module
    (global $counter (mut i32) (i32.const 0))
    (memory 1)
    ${extra}
    ${helper}
    (func $f (export "f") (param i32) (result i32) ${f})
    (func $g (export "g") (result i32) (global.set $counter (i32.add (global.get $counter) (i32.const 1))) (global.get $counter))
  )`;

// The input's body of f is the largest, the base's (a helper inlined, a zero left) smaller, a donor's smallest.
const inputF = '(call $helper (i32.add (local.get 0) (i32.mul (i32.const 0) (local.get 0))))';
const input = module(inputF);
const long = '(i32.mul (i32.add (local.get 0) (i32.const 0)) (i32.const 3))';

describe('per-function assembly', () => {
  it('takes a donor body smaller than the base one when it refers only to what the base has', () => {
    const result = run(input, module(long), [module('(call $helper (local.get 0))')]);
    expect(result.taken).toEqual([{ name: 'f', donor: 0, saved: expect.any(Number) }]);
    expect(WebAssembly.validate(result.stripped)).toBe(true);
    const exports = new WebAssembly.Instance(new WebAssembly.Module(result.stripped)).exports as { f(x: number): number };
    expect(exports.f(7)).toBe(21);
  });

  it('takes the input own body when every island made it larger', () => {
    const result = run(input, module(`(drop (i32.const 1)) ${inputF}`), []);
    expect(result.taken.map((t) => [t.name, t.donor])).toEqual([['f', -1]]);
  });

  it('leaves a body that calls a function the base inlined away', () => {
    const base = module(long, '', '');
    const result = run(input, base, [module('(call $helper (local.get 0))')]);
    expect(result.taken).toEqual([]);
    expect(result.skipped).toEqual([{ name: 'f', why: expect.stringMatching(/calls helper/) }]);
  });

  it('leaves a body that calls a function whose type changed (dead-argument elimination in the base)', () => {
    const base = module(`${long}`, '', '(func $helper (result i32) (i32.const 3))');
    const result = run(input, base, [module('(call $helper (local.get 0))')]);
    expect(result.taken).toEqual([]);
    expect(result.skipped[0]?.why).toMatch(/calls helper/);
  });

  it('leaves a body that calls a function binaryen made up (merged or split) differently in the donor and the base', () => {
    const made = (factor: number) => `(func $byn$mgfn-shared$f (param i32) (result i32) (i32.mul (local.get 0) (i32.const ${factor})))`;
    const result = run(input, module(long, made(5)), [module('(call $byn$mgfn-shared$f (local.get 0))', made(3))]);
    expect(result.taken).toEqual([]);
    expect(result.skipped[0]?.why).toMatch(/byn\$mgfn-shared\$f, which is not the same function in the donor and the base/);
  });

  it('takes a body that calls a function binaryen made up, or whose type it changed, when it is the same function in the donor and the base', () => {
    // Two refinements of one module share what their ancestor made: a merged function, a parameter removed.
    const made = '(func $byn$mgfn-shared$f (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))';
    const merged = run(input, module(long, made), [module('(call $byn$mgfn-shared$f (local.get 0))', made)]);
    expect(merged.taken.map((t) => t.name)).toEqual(['f']);
    const pruned = '(func $helper (result i32) (i32.const 3))';
    const result = run(input, module(long, '', pruned), [module('(i32.mul (local.get 0) (call $helper))', '', pruned)]);
    expect(result.taken.map((t) => t.name)).toEqual(['f']);
    for (const { stripped } of [merged, result]) {
      const exports = new WebAssembly.Instance(new WebAssembly.Module(stripped)).exports as { f(x: number): number };
      expect(exports.f(7)).toBe(21);
    }
    // A callee that itself calls a function the two modules do not share is not the same function.
    const calls = (factor: number) => `(func $helper (result i32) (call $k)) (func $k (result i32) (i32.const ${factor}))`;
    const differs = run(input, module(long, '', calls(5)), [module('(i32.mul (local.get 0) (call $helper))', '', calls(3))]);
    expect(differs.taken).toEqual([]);
  });

  it('refuses every body of a donor that made a global immutable which the base keeps mutable', () => {
    const donor = module('(call $helper (local.get 0))').replace('(global $counter (mut i32)', '(global $counter i32');
    const result = run(input, module(long), [donor.replace('(global.set $counter (i32.add (global.get $counter) (i32.const 1)))', '')]);
    expect(result.taken).toEqual([]);
    expect(result.skipped[0]?.why).toMatch(/global counter is mutable in the input and the base but not in the donor/);
  });

  it('leaves a body holding an expression that refers to module state it does not compare (ref.func)', () => {
    const extra = '(table 1 funcref) (elem declare func $g)';
    const body = '(drop (ref.func $g)) (call $helper (local.get 0))';
    const result = run(module(`(drop (ref.func $g)) ${inputF}`, extra), module(`(drop (ref.func $g)) ${long}`, extra), [module(body, extra)], binaryen.Features.ReferenceTypes);
    expect(result.taken).toEqual([]);
    expect(result.skipped[0]?.why).toMatch(/holds an expression of kind/);
  });

  it('takes a body whose locals differ from the base one, and the result runs', () => {
    const withLocals = '(local i64) (call $helper (local.get 0))';
    const result = run(input, module(`(local i32 i32) ${long}`), [module(withLocals)]);
    expect(result.taken.map((t) => t.name)).toEqual(['f']);
    const exports = new WebAssembly.Instance(new WebAssembly.Module(result.stripped)).exports as { f(x: number): number; g(): number };
    expect([exports.f(5), exports.g(), exports.g()]).toEqual([15, 1, 2]);
  });

  it('names each taken body by its place among the donors given, also when a donor before it offers nothing smaller', () => {
    // The first donor's f is the base's own (not smaller): it is not even read, and the second donor is still donor 1.
    const result = run(input, module(long), [module(long), module('(call $helper (local.get 0))')]);
    expect(result.taken.map((t) => [t.name, t.donor])).toEqual([['f', 1]]);
  });

  it('removes a function no taken body calls any more', () => {
    // The donor inlined helper into f; with its f taken, nothing in the base calls helper.
    const donor = module('(i32.mul (local.get 0) (i32.const 3))', '', '');
    const result = run(input, module(long.replace('(i32.add (local.get 0) (i32.const 0))', '(call $helper (local.get 0))')), [donor]);
    expect(result.taken.map((t) => t.name)).toEqual(['f']);
    const names = binaryen.readBinary(result.named);
    try {
      expect(Array.from({ length: names.getNumFunctions() }, (_, i) => binaryen.getFunctionInfo(names.getFunctionByIndex(i)).name).sort()).toEqual(['f', 'g']);
    } finally {
      names.dispose();
    }
  });
});
