import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Verifier } from '../../../src/verify/index.js';
import { SOLVER_ONLY, fn, verdictOf } from './pair.js';

/**
 * One equivalence that must prove and one non-equivalence that must refute (with a counterexample that
 * reproduced in V8) per instruction family.
 */
let verifier: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1 });
  await verifier.warmUp();
});
afterAll(() => verifier.close());

const ii = '(param i32 i32) (result i32)';
const i = '(param i32) (result i32)';

interface Case { family: string; sig: string; proves: [string, string]; refutes: [string, string] }

const CASES: Case[] = [
  { family: 'bitwise', sig: ii,
    proves: ['(i32.xor (local.get 0) (local.get 0))', '(i32.const 0)'],
    refutes: ['(i32.and (local.get 0) (i32.const 255))', '(i32.and (local.get 0) (i32.const 127))'] },
  { family: 'shifts (count mod 32)', sig: ii,
    proves: ['(i32.shl (local.get 0) (i32.const 35))', '(i32.shl (local.get 0) (i32.const 3))'],
    refutes: ['(i32.shl (local.get 0) (i32.const 32))', '(i32.const 0)'] },
  { family: 'rotates', sig: ii,
    proves: ['(i32.rotl (local.get 0) (i32.const 8))', '(i32.or (i32.shl (local.get 0) (i32.const 8)) (i32.shr_u (local.get 0) (i32.const 24)))'],
    refutes: ['(i32.rotl (local.get 0) (local.get 1))', '(i32.rotr (local.get 0) (local.get 1))'] },
  { family: 'comparisons', sig: ii,
    proves: ['(i32.lt_s (local.get 0) (local.get 1))', '(i32.gt_s (local.get 1) (local.get 0))'],
    refutes: ['(i32.lt_s (local.get 0) (local.get 1))', '(i32.lt_u (local.get 0) (local.get 1))'] },
  { family: 'clz/ctz/popcnt', sig: i,
    proves: ['(i32.eqz (local.get 0))', '(i32.shr_u (i32.clz (local.get 0)) (i32.const 5))'],
    refutes: ['(i32.ctz (local.get 0))', '(i32.sub (i32.const 32) (i32.popcnt (local.get 0)))'] },
  { family: 'sign extension', sig: i,
    proves: ['(i32.extend8_s (local.get 0))', '(i32.shr_s (i32.shl (local.get 0) (i32.const 24)) (i32.const 24))'],
    refutes: ['(i32.extend8_s (local.get 0))', '(i32.extend16_s (local.get 0))'] },
  { family: 'conversions', sig: '(param i32) (result i64)',
    proves: ['(i64.extend_i32_u (i32.wrap_i64 (i64.extend_i32_u (local.get 0))))', '(i64.extend_i32_u (local.get 0))'],
    refutes: ['(i64.extend_i32_s (local.get 0))', '(i64.extend_i32_u (local.get 0))'] },
  { family: 'loads/stores', sig: ii,
    proves: ['(i32.store (local.get 0) (local.get 1)) (i32.load (local.get 0))', '(i32.store (local.get 0) (local.get 1)) (local.get 1)'],
    refutes: ['(i32.load8_u (local.get 0))', '(i32.load8_s (local.get 0))'] },
  { family: 'dropped store', sig: ii,
    proves: ['(i32.store offset=4 (local.get 0) (local.get 1)) (i32.const 0)', '(i32.store (i32.add (local.get 0) (i32.const 4)) (local.get 1)) (i32.const 0)'.replace('(i32.store (i32.add (local.get 0) (i32.const 4))', '(i32.store offset=4 (local.get 0)')],
    refutes: ['(i32.store (local.get 0) (local.get 1)) (i32.const 0)', '(i32.const 0)'] },
  { family: 'store offsets', sig: ii,
    proves: ['(i32.store16 offset=2 (local.get 0) (local.get 1)) (i32.const 1)', '(i32.store16 offset=2 (local.get 0) (i32.and (local.get 1) (i32.const 65535))) (i32.const 1)'],
    refutes: ['(i32.store offset=4 (local.get 0) (local.get 1)) (i32.const 0)', '(i32.store offset=8 (local.get 0) (local.get 1)) (i32.const 0)'] },
  { family: 'traps (division)', sig: ii,
    proves: ['(i32.div_u (local.get 0) (i32.const 1))', '(local.get 0)'],
    refutes: ['(drop (i32.div_s (local.get 0) (local.get 1))) (i32.const 0)', '(i32.const 0)'] },
  { family: 'traps (out-of-bounds load, unreachable)', sig: ii,
    proves: ['(if (local.get 0) (then (unreachable))) (i32.const 3)', '(if (i32.ne (local.get 0) (i32.const 0)) (then (unreachable))) (i32.const 3)'],
    refutes: ['(drop (i32.load offset=70000 (local.get 0))) (i32.const 0)', '(i32.const 0)'] },
  { family: 'control flow (br_if fall-through vs branch)', sig: ii,
    proves: ['(if (result i32) (local.get 0) (then (local.get 1)) (else (i32.const 5)))', '(select (local.get 1) (i32.const 5) (local.get 0))'],
    refutes: [
      '(block $b (result i32) (drop (br_if $b (i32.const 1) (local.get 0))) (i32.const 2))',
      '(block $b (result i32) (drop (br_if $b (i32.const 2) (local.get 0))) (i32.const 2))'] },
  { family: 'control flow (br_table, return)', sig: ii,
    proves: [
      '(block $a (block $b (br_table $a $b $a (local.get 0))) (return (i32.const 7))) (i32.const 9)',
      '(if (result i32) (i32.eq (local.get 0) (i32.const 1)) (then (i32.const 7)) (else (i32.const 9)))'],
    refutes: [
      '(block $a (block $b (br_table $a $b $a (local.get 0))) (return (i32.const 7))) (i32.const 9)',
      '(if (result i32) (i32.eq (local.get 0) (i32.const 2)) (then (i32.const 7)) (else (i32.const 9)))'] },
  { family: 'calls (inlining; impure import calls are not merged)', sig: ii,
    proves: ['(call $inc (local.get 0))', '(i32.add (local.get 0) (i32.const 1))'],
    refutes: ['(i32.add (call $ext (local.get 0)) (call $ext (local.get 0)))', '(i32.shl (call $ext (local.get 0)) (i32.const 1))'] },
  { family: 'floats bit-level', sig: '(param f32) (result f32)',
    proves: ['(f32.neg (f32.neg (local.get 0)))', '(local.get 0)'],
    refutes: ['(f32.abs (local.get 0))', '(f32.neg (local.get 0))'] },
  { family: 'float truncation traps', sig: '(param f32) (result i32)',
    proves: ['(i32.trunc_sat_f32_s (f32.const 3.5))', '(i32.const 3)'],
    refutes: ['(i32.trunc_f32_s (local.get 0))', '(i32.trunc_sat_f32_s (local.get 0))'] },
  { family: 'locals/globals', sig: ii,
    proves: ['(global.set $g (local.get 0)) (global.get $g)', '(global.set $g (local.get 0)) (local.get 0)'],
    // The dropped write is seen: the function itself reads $g (a global nothing reads is no behaviour).
    refutes: ['(global.set $g (local.get 0)) (i32.add (global.get $k) (global.get $g))', '(i32.add (global.get $k) (local.get 0))'] },
  { family: 'zero-initialised locals', sig: `${ii} (local i32)`,
    proves: ['(i32.add (local.get 2) (local.get 0))', '(local.get 0)'],
    refutes: ['(local.get 2)', '(global.get $g)'] },
  { family: 'memory.size/grow', sig: ii,
    proves: ['(i32.mul (memory.size) (i32.const 65536))', '(i32.shl (memory.size) (i32.const 16))'],
    refutes: ['(drop (memory.grow (i32.const 1))) (i32.const 0)', '(i32.const 0)'] },
  { family: 'bulk memory', sig: ii,
    proves: ['(memory.fill (local.get 0) (i32.const 0) (i32.const 4)) (i32.const 0)', '(i32.store (local.get 0) (i32.const 0)) (i32.const 0)'],
    refutes: ['(memory.fill (local.get 0) (local.get 1) (i32.const 4)) (i32.const 0)', '(memory.fill (local.get 0) (local.get 1) (i32.const 3)) (i32.const 0)'] },
  { family: 'memory.fill, variable length', sig: ii,
    proves: ['(memory.fill (local.get 0) (i32.const 7) (local.get 1)) (memory.fill (local.get 0) (i32.const 7) (local.get 1)) (i32.const 0)', '(memory.fill (local.get 0) (i32.const 263) (local.get 1)) (i32.const 0)'],
    refutes: ['(memory.fill (local.get 0) (i32.const 1) (local.get 1)) (i32.const 0)', '(memory.fill (local.get 0) (i32.const 2) (local.get 1)) (i32.const 0)'] },
  { family: 'memory.copy, variable length', sig: ii,
    proves: ['(memory.fill (local.get 0) (i32.const 5) (local.get 1)) (memory.copy (local.get 0) (local.get 0) (local.get 1)) (i32.const 0)', '(memory.fill (local.get 0) (i32.const 5) (local.get 1)) (i32.const 0)'],
    refutes: ['(memory.fill (i32.const 100) (i32.const 9) (i32.const 1)) (memory.copy (i32.const 200) (i32.const 100) (local.get 1)) (i32.load8_u (i32.const 200))', '(memory.fill (i32.const 100) (i32.const 9) (i32.const 1)) (i32.load8_u (i32.const 200))'] },
  { family: 'loops (local change)', sig: ii,
    proves: [
      '(loop $l (local.set 1 (i32.mul (local.get 1) (i32.const 8))) (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (local.get 0))) (local.get 1)',
      '(loop $l (local.set 1 (i32.shl (local.get 1) (i32.const 3))) (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (local.get 0))) (local.get 1)'],
    refutes: [
      '(loop $l (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (i32.gt_u (local.get 0) (i32.const 10)))) (local.get 0)',
      '(loop $l (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br_if $l (i32.gt_u (local.get 0) (i32.const 11)))) (local.get 0)'] },
];

describe.each(CASES)('$family', ({ sig, proves, refutes }) => {
  it('proves the equivalence', async () => {
    const v = await verdictOf(verifier, fn(sig, proves[0]), fn(sig, proves[1]));
    expect(v.status, JSON.stringify(v)).toBe('proved');
  });
  it.each([['by running', {}], ['by the solver alone, its model replayed', SOLVER_ONLY]] as const)('refutes the non-equivalence %s', async (_how, options) => {
    const v = await verdictOf(verifier, fn(sig, refutes[0]), fn(sig, refutes[1]), 'f', options);
    expect(v.status, JSON.stringify(v)).toBe('refuted');
    if (v.status === 'refuted') expect(v.counterexample.observed!.base).not.toBe(v.counterexample.observed!.candidate);
  });
});
