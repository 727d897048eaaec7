import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callableFunctions } from '../../../src/verify/callable.js';
import { Verifier, readIr } from '../../../src/verify/index.js';
import { FEATURES, wat } from './pair.js';

/**
 * Which functions can run at all (src/verify/callable.ts), and `atoll verify` of a change to one that cannot:
 * binaryen's remove-unused-module-elements turns the body of a table entry no `call_indirect` of its type
 * reaches into `unreachable`, and that is no miscompile.
 */
let verifier: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1 });
  await verifier.warmUp();
});
afterAll(() => verifier.close());

/** A module with a table of two entries, $slot of type (i32)->i32 and $other of type ()->i32. */
const module = (slotBody: string, extra = '', table = '(table $t 2 2 funcref)') => `(module
  (type $unary (func (param i32) (result i32)))
  (type $nullary (func (result i32)))
  ${table}
  (elem (table $t) (i32.const 0) func $slot $other)
  (func $slot (param i32) (result i32) ${slotBody})
  (func $other (result i32) (i32.const 7))
  (func $main (export "main") (param i32) (result i32) (call_indirect (type $nullary) (local.get 0)))
  ${extra})`;

const BODY = '(i32.add (local.get 0) (i32.const 1))';

async function verdictOfSlot(base: string, candidate: string) {
  const report = await verifier.verifyModules(wat(base), wat(candidate), { featureFlags: FEATURES });
  return { verdict: report.functions.find((f) => f.name === 'slot')!.verdict, module: report.module };
}

describe('callable functions', () => {
  it('leave out a table entry no call_indirect of its type reaches', () => {
    const callable = callableFunctions(readIr(wat(module(BODY)), FEATURES))!;
    expect([...callable].sort()).toEqual(['main', 'other']);
  });

  it('follow direct calls, call_indirect types reached transitively, exports, start, ref.func and host tables', () => {
    const cases: Array<[string, string, string]> = [
      ['a call_indirect of its type in code that runs', '(func $g (export "g") (result i32) (call_indirect (type $unary) (i32.const 1) (i32.const 0)))', module(BODY)],
      ['a ref.func', '(elem declare func $slot) (func $g (export "g") (drop (ref.func $slot)))', module(BODY)],
      ['the start function', '(start $slot_caller) (func $slot_caller (drop (call $slot (i32.const 1))))', module(BODY)],
      ['an exported table', '', module(BODY, '', '(table $t (export "t") 2 2 funcref)')],
      ['an imported table', '', module(BODY, '', '(import "env" "t" (table $t 2 2 funcref))')],
    ];
    for (const [why, extra, base] of cases) {
      const text = extra ? base.replace(/\)$/, `${extra})`) : base;
      expect(callableFunctions(readIr(wat(text), FEATURES | (1 << 8)))?.has('slot'), why).toBe(true);
    }
  });

  it('give up on calls they do not follow (a tail call)', () => {
    const text = module(BODY, '(func $g (export "g") (param i32) (result i32) (return_call $other))');
    const ir = readIr(wat(text), FEATURES | (1 << 7));
    expect(callableFunctions(ir)).toBeUndefined();
  });
});

describe('atoll verify of a change to a function nothing can call', () => {
  it('proves it (unreachable) and accepts the table', async () => {
    // Before: `refuted` (its result became a trap), and verify exited 3 accusing the optimizer.
    const { verdict, module: check } = await verdictOfSlot(module(BODY), module('(unreachable)'));
    expect(verdict).toEqual({ status: 'proved', method: 'unreachable' });
    expect(check.accepted, check.findings.join('\n')).toBe(true);
  });

  it('still refutes it where something can call it', async () => {
    const reachable = (body: string) => module(body, '', '(table $t (export "t") 2 2 funcref)');
    const { verdict } = await verdictOfSlot(reachable(BODY), reachable('(unreachable)'));
    expect(verdict.status).toBe('refuted');
  });
});
