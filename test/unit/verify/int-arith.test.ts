import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Verifier } from '../../../src/verify/index.js';
import { fn, verdictOf } from './pair.js';

const sig = '(param i32 i32) (result i32)';
let verifier: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1 });
  await verifier.warmUp();
});
afterAll(() => verifier.close());

describe('integer arithmetic', () => {
  it('proves x*8 equal to x<<3 in the value graph (a shift by a constant is a product)', async () => {
    const v = await verdictOf(verifier, fn(sig, '(i32.mul (local.get 0) (i32.const 8))'), fn(sig, '(i32.shl (local.get 0) (i32.const 3))'));
    expect(v).toEqual({ status: 'proved', method: 'graph' });
  });
  it('proves with z3 what the value graph leaves: a range check rewritten as one unsigned comparison', async () => {
    const a = fn(sig, '(i32.and (i32.ge_s (local.get 0) (i32.const 10)) (i32.le_s (local.get 0) (i32.const 20)))');
    const b = fn(sig, '(i32.lt_u (i32.sub (local.get 0) (i32.const 10)) (i32.const 11))');
    expect(await verdictOf(verifier, a, b)).toEqual({ status: 'proved', method: 'smt' });
  });
  it('refutes x+y against x-y with a replayed counterexample', async () => {
    const v = await verdictOf(verifier, fn(sig, '(i32.add (local.get 0) (local.get 1))'), fn(sig, '(i32.sub (local.get 0) (local.get 1))'));
    expect(v.status).toBe('refuted');
    if (v.status === 'refuted') expect(v.counterexample.observed!.base).not.toBe(v.counterexample.observed!.candidate);
  });
  it('proves identical bodies without the solver', async () => {
    const body = '(i32.add (local.get 0) (local.get 1))';
    expect(await verdictOf(verifier, fn(sig, body), fn(sig, body))).toEqual({ status: 'proved', method: 'identical' });
  });
  it('proves bodies equal up to renaming locals', async () => {
    const a = fn(`${sig} (local i32) (local i32)`, '(local.set 2 (local.get 0)) (local.set 3 (local.get 1)) (i32.add (local.get 2) (local.get 3))');
    const b = fn(`${sig} (local i32) (local i32)`, '(local.set 3 (local.get 0)) (local.set 2 (local.get 1)) (i32.add (local.get 3) (local.get 2))');
    expect(await verdictOf(verifier, a, b)).toEqual({ status: 'proved', method: 'alpha' });
  });
  it('proves i64 add commutes and refutes a changed i64 constant', async () => {
    const s = '(param i64) (result i64)';
    expect(await verdictOf(verifier, fn(s, '(i64.add (local.get 0) (i64.const 7))'), fn(s, '(i64.add (i64.const 7) (local.get 0))'))).toEqual({ status: 'proved', method: 'graph' });
    expect((await verdictOf(verifier, fn(s, '(i64.add (local.get 0) (i64.const 7))'), fn(s, '(i64.add (local.get 0) (i64.const 8))'))).status).toBe('refuted');
  });
});
