import { describe, expect, it } from 'vitest';
import { byName, type StepFacts } from '../../../src/verify/pass-step.js';
import { chainFacts, mergeChainFacts, planIncremental, type ChainFacts } from '../../../src/verify/incremental-rule.js';
import { readIr } from '../../../src/verify/index.js';
import type { IrModule } from '../../../src/wasm/ir.js';
import { FEATURES, wat } from './pair.js';

const ir = (text: string): IrModule => readIr(wat(text), FEATURES);

/** planIncremental on a new input (text), the changed functions, and a previous output (text). */
function plan(input: string, changed: string[], output: string, facts: Partial<ChainFacts> = {}) {
  const module = ir(input);
  const functions = byName(module.functions);
  const outline = (m: IrModule) => ({ functions: m.functions.map((fn) => ({ ...fn, body: null, size: 0 })), globals: m.globals });
  return planIncremental(
    { changed, input: { outline: outline(module), fn: (name) => functions.get(name)!, whole: () => module }, previousOutput: outline(ir(output)) },
    { readers: {}, merged: [], made: [], pure: [], sizeKeepers: [], constantGlobals: [], unreadGlobals: [], uncallable: [], ...facts },
  );
}

/** A module of helper $h, its caller $g (exported) and $k (exported, calls nothing), with a global. */
const module = (h: string, g = '(call $h (local.get 0))', extra = '') => `(module
  (global $c (mut i32) (i32.const 0))
  (memory 1)
  ${extra}
  (func $h (param i32) (result i32) ${h})
  (func $g (export "g") (param i32) (result i32) ${g})
  (func $k (export "k") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))`;

describe('incremental rebuilds: which functions are rebuilt', () => {
  it('rebuilds a changed function alone when no proof read its body', () => {
    expect(plan(module('(i32.add (local.get 0) (i32.const 2))'), ['h'], module('(i32.add (local.get 0) (i32.const 1))'))).toEqual({ rebuild: ['h'] });
  });

  it('rebuilds every function whose proofs read a changed body, transitively', () => {
    const facts = { readers: { h: ['g'], g: ['k'] } };
    expect(plan(module('(i32.add (local.get 0) (i32.const 2))'), ['h'], module('(local.get 0)'), facts)).toEqual({ rebuild: ['g', 'h', 'k'] });
  });

  it('brings back a callee the previous output no longer holds when a rebuilt body calls it', () => {
    // The output inlined $h into $g and removed it; $g's proof read $h's body.
    const output = `(module (global $c (mut i32) (i32.const 0)) (memory 1)
      (func $g (export "g") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func $k (export "k") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))`;
    expect(plan(module('(i32.add (local.get 0) (i32.const 2))'), ['h'], output, { readers: { h: ['g'] } })).toEqual({ rebuild: ['g', 'h'] });
    // With no proof recorded as reading it, nothing in the output calls the changed function: nothing to do.
    expect(plan(module('(i32.add (local.get 0) (i32.const 2))'), ['h'], output)).toEqual({ declined: 'no changed function is in the previous output or called from it' });
  });
});

describe('incremental rebuilds: what declines', () => {
  const changedH = module('(i32.add (local.get 0) (i32.const 2))');
  const output = module('(local.get 0)');

  it('a new body that may call a function whose step was proved because nothing could call it', () => {
    const table = '(type $v (func (param i32) (result i32))) (table 1 funcref) (elem (i32.const 0) $k)';
    const indirect = module('(call_indirect (type $v) (local.get 0) (i32.const 0))', undefined, table);
    expect(plan(indirect, ['h'], module('(local.get 0)', undefined, table), { uncallable: ['k'] })).toMatchObject({ declined: expect.stringMatching(/h may call k, whose steps were proved because nothing could call it/) });
    // A new body that calls neither it nor through a table keeps the patch.
    expect(plan(module('(i32.add (local.get 0) (i32.const 2))', undefined, table), ['h'], module('(local.get 0)', undefined, table), { uncallable: ['k'] })).toEqual({ rebuild: ['h'] });
  });

  it('a function merged into a duplicate', () => {
    expect(plan(changedH, ['h'], output, { merged: ['h'] })).toMatchObject({ declined: expect.stringMatching(/h was merged into a duplicate/) });
  });

  it('a function of the output that a pass made under the name of an input function', () => {
    expect(plan(changedH, ['h'], output, { made: ['h'] })).toMatchObject({ declined: expect.stringMatching(/h, which a pass made/) });
  });

  it('a function whose signature the output changed with its callers', () => {
    const dae = `(module (global $c (mut i32) (i32.const 0)) (memory 1)
      (func $h (result i32) (i32.const 1))
      (func $g (export "g") (param i32) (result i32) (call $h))
      (func $k (export "k") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))`;
    expect(plan(changedH, ['h'], dae)).toMatchObject({ declined: expect.stringMatching(/h changed its signature/) });
  });

  it('a function taken as pure that no longer is, or one that may grow the memory when a proof took a call to keep its size', () => {
    const impure = module('(drop (memory.grow (i32.const 1))) (local.get 0)');
    expect(plan(impure, ['h'], output, { pure: ['h'] })).toMatchObject({ declined: expect.stringMatching(/taken as pure/) });
    expect(plan(impure, ['h'], output, { sizeKeepers: ['g'] })).toMatchObject({ declined: expect.stringMatching(/memory's size/) });
    expect(plan(impure, ['h'], output)).toEqual({ rebuild: ['h'] });
    expect(plan(changedH, ['h'], output, { pure: ['h'], sizeKeepers: ['g'] })).toEqual({ rebuild: ['h'] });
  });

  it('a new body that writes a global a proof read as its initial value, or reads one whose writes a proof left out', () => {
    const writes = module('(global.set $c (local.get 0)) (local.get 0)');
    expect(plan(writes, ['h'], output, { constantGlobals: ['c'] })).toMatchObject({ declined: expect.stringMatching(/writes global c/) });
    const reads = module('(i32.add (local.get 0) (global.get $c))');
    expect(plan(reads, ['h'], output, { unreadGlobals: ['c'] })).toMatchObject({ declined: expect.stringMatching(/reads global c/) });
    expect(plan(reads, ['h'], output, { constantGlobals: ['c'] })).toEqual({ rebuild: ['h'] });
  });

  it('a new body that uses a global the output removed or made immutable', () => {
    const noGlobal = output.replace('(global $c (mut i32) (i32.const 0))', '');
    expect(plan(module('(i32.add (local.get 0) (global.get $c))'), ['h'], noGlobal)).toMatchObject({ declined: expect.stringMatching(/global c, which the previous output lost/) });
    const immutable = output.replace('(global $c (mut i32) (i32.const 0))', '(global $c i32 (i32.const 0))');
    expect(plan(module('(global.set $c (local.get 0)) (local.get 0)'), ['h'], immutable)).toMatchObject({ declined: expect.stringMatching(/writes global c/) });
  });
});

describe('incremental rebuilds: chain facts', () => {
  it('gathers what kept steps assumed, a twin reading the duplicate it stands for, and merges two chains', () => {
    const step = (fn: string, facts: StepFacts) => ({ function: fn, facts });
    const facts = chainFacts([
      { proved: [step('g', { reads: ['h'], sizeKeepers: ['k'] }), step('k', { constantGlobals: ['c'] }), { function: 'h' }], twins: [['d', 't']], made: ['o'] },
    ]);
    expect(facts).toEqual({ readers: { d: ['t'], h: ['g'] }, merged: ['d'], made: ['o'], pure: [], sizeKeepers: ['k'], constantGlobals: ['c'], unreadGlobals: [], uncallable: [] });
    const merged = mergeChainFacts(facts, chainFacts([{ proved: [step('k', { reads: ['h'], unreadGlobals: ['u'] }), step('s', { uncallable: true })], twins: [], made: [] }]));
    expect(merged.readers).toEqual({ d: ['t'], h: ['g', 'k'] });
    expect(merged.unreadGlobals).toEqual(['u']);
    expect(merged.uncallable).toEqual(['s']);
  });
});
