import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIr, Verifier } from '../../../src/verify/index.js';
import { matchModules } from '../../../src/verify/matching.js';
import { namedFunctionCount } from '../../../src/verify/names.js';
import { binaryen, emitModule, readModule } from '../../../src/wasm/binaryen.js';
import { nameEveryFunctionAndGlobal, renameFunctionsAndGlobals } from '../../../src/wasm/names.js';
import { FEATURES, wat } from './pair.js';

const asSha256 = () => new Uint8Array(readFileSync('node_modules/@chainsafe/as-sha256/build/optimized.wasm'));

/** binaryen -Oz, with or without the name section (wasm-opt writes none unless asked). */
function oz(bytes: Uint8Array, names: boolean): Uint8Array {
  const module = readModule(bytes, FEATURES);
  try {
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(2);
    module.optimize();
    return emitModule(module, names);
  } finally {
    module.dispose();
  }
}

function ir(bytes: Uint8Array) {
  const module = readIr(bytes, FEATURES);
  module.named = namedFunctionCount(bytes) === module.functions.length;
  return module;
}

describe('matching a module without names to its optimized form', () => {
  it('pairs the functions of as-sha256 with their -Oz versions as their lineage does', () => {
    const input = asSha256();
    // The truth: the same optimization of a fully named input says what became of each function.
    const named = nameEveryFunctionAndGlobal(input);
    const truthModule = ir(oz(named, true));
    const candidate = ir(oz(input, false));
    expect(candidate.named).toBe(false);
    expect(candidate.functions.length).toBe(truthModule.functions.length);
    const base = ir(input);
    const match = matchModules(base, candidate);
    // Function i of the input is function i of the named input; the two -Oz outputs list functions alike.
    const inputNames = ir(named).functions.map((f) => f.name);
    const lineage = new Map(truthModule.functions.map((f, index) => [f.name, candidate.functions[index]!.name]));
    let agree = 0;
    base.functions.forEach((fn, index) => {
      const expected = lineage.get(inputNames[index]!);
      if (match.functions.get(fn.name) === expected) agree++;
    });
    // Every candidate function is paired, and all but at most one pair (two same-signature helpers one of
    // which -Oz inlined away) agree with the lineage.
    expect(new Set(match.functions.values()).size).toBe(candidate.functions.length);
    expect(agree).toBeGreaterThanOrEqual(base.functions.length - 2);
    for (const e of base.exports.filter((x) => x.kind === 'function')) {
      expect(match.functions.get(e.value)).toBe(candidate.exports.find((x) => x.name === e.name)!.value);
      expect(match.guessed.has(e.value)).toBe(false);
    }
  });

  it('names functions and globals by index in a rewritten name section that binaryen reads back', () => {
    const bytes = wat(`(module (import "env" "f" (func $imp)) (global $a (mut i32) (i32.const 1)) (global $b i32 (i32.const 2))
      (func $x (call $imp)) (func $y (global.set $a (global.get $b))))`);
    const renamed = renameFunctionsAndGlobals(bytes, ['imported', 'first', 'second'], ['ga', 'gb'])!;
    const module = ir(renamed);
    expect(module.named).toBe(true);
    expect(module.functions.map((f) => f.name)).toEqual(['imported', 'first', 'second']);
    expect(module.globals.map((g) => g.name)).toEqual(['ga', 'gb']);
    expect(renameFunctionsAndGlobals(bytes, ['too', 'few'], [])).toBeUndefined();
  });
});

describe('verify without names', () => {
  let verifier: Verifier;
  beforeAll(async () => {
    verifier = new Verifier({ threads: 1 });
    await verifier.warmUp();
  });
  afterAll(() => verifier.close());

  it('replays a counterexample on a side that made a mutable global immutable', async () => {
    // The candidate's global is never written, so an optimizer may make it immutable; the function differs.
    const base = wat(`(module (global $g (mut i32) (i32.const 0)) (export "f" (func $f)) (export "s" (func $s))
      (func $f (result i32) (global.get $g)) (func $s (global.set $g (i32.const 5))))`);
    const candidate = wat(`(module (global $g i32 (i32.const 0)) (export "f" (func $f)) (export "s" (func $s))
      (func $f (result i32) (i32.const 1)) (func $s (nop)))`);
    const report = await verifier.verifyModules(base, candidate, { featureFlags: FEATURES, only: ['f'] });
    expect(report.functions[0]!.verdict, JSON.stringify(report.functions[0]!.verdict)).toMatchObject({ status: 'refuted' });
  });

});
