import { describe, expect, it } from 'vitest';
import { readIr } from '../../../src/verify/index.js';
import { sameInWriterNormalForm } from '../../../src/verify/pass-step.js';
import { FEATURES, wat } from './pair.js';

/**
 * The form binaryen's writer and reader leave alone: two bodies equal in it run the same instructions in
 * the same order. One case per rewrite the round trip makes, and a case per rewrite that would change order.
 */
function same(a: string, b: string): boolean {
  const module = (body: string) => `(module (global $x (mut i32) (i32.const 0)) (func $g (result i32) (i32.const 3))
    (func $f (export "f") (param i32) (result i32) (local i32) ${body}))`;
  const f = (text: string) => readIr(wat(module(text)), FEATURES).functions.find((fn) => fn.name === 'f')!;
  return sameInWriterNormalForm(f(a), f(b));
}

describe('the writer normal form', () => {
  it('drops labels nothing branches to, and renames the others', () => {
    expect(same('(block $unused (drop (local.get 0))) (local.get 0)', '(drop (local.get 0)) (local.get 0)')).toBe(true);
    expect(same('(block $a (br_if $a (local.get 0))) (local.get 0)', '(block $b (br_if $b (local.get 0))) (local.get 0)')).toBe(true);
  });

  it('splices an unlabelled block into the block around it, and drops what follows an unreachable child', () => {
    expect(same('(block (drop (local.get 0)) (block (global.set $x (local.get 0)))) (local.get 0)', '(drop (local.get 0)) (global.set $x (local.get 0)) (local.get 0)')).toBe(true);
    expect(same('(loop $l (br $l)) (unreachable)', '(loop $l (br $l))')).toBe(true);
  });

  it("hoists a leading block out of a statement's first operand, as the reader does", () => {
    const nested = '(local.set 1 (i32.add (block (result i32) (global.set $x (i32.const 1)) (local.get 0)) (i32.const 2))) (local.get 1)';
    const hoisted = '(global.set $x (i32.const 1)) (local.set 1 (i32.add (local.get 0) (i32.const 2))) (local.get 1)';
    expect(same(nested, hoisted)).toBe(true);
    // Inside an if arm, it stays inside the arm.
    expect(same(`(if (local.get 0) (then (return (block (result i32) (global.set $x (i32.const 1)) (i32.const 5))))) (i32.const 0)`,
      `(if (local.get 0) (then (global.set $x (i32.const 1)) (return (i32.const 5)))) (i32.const 0)`)).toBe(true);
  });

  it('never moves a statement before an operand evaluated ahead of it, or out of a labelled block', () => {
    // The block is the second operand: hoisting it would write $x before local 0 is read by the first.
    const second = '(local.set 1 (i32.add (global.get $x) (block (result i32) (global.set $x (i32.const 1)) (local.get 0)))) (local.get 1)';
    const moved = '(global.set $x (i32.const 1)) (local.set 1 (i32.add (global.get $x) (local.get 0))) (local.get 1)';
    expect(same(second, moved)).toBe(false);
    // A labelled block a branch targets is no sequence: spliced, the branch would skip other code.
    expect(same('(block $b (br_if $b (local.get 0)) (global.set $x (i32.const 1))) (local.get 0)', '(block $b (br_if $b (local.get 0))) (global.set $x (i32.const 1)) (local.get 0)')).toBe(false);
  });
});
