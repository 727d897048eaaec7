import { describe, expect, it } from 'vitest';
import { readIr } from '../../../src/verify/index.js';
import { localChangePairs } from '../../../src/verify/local-change.js';
import type { IrFunction, IrNode } from '../../../src/wasm/ir.js';
import { FEATURES, wat } from './pair.js';

/**
 * Which fragments a function pair's change is made of (local-change.ts): their statements, and the locals
 * compared after them. What the checker answers for such pairs is in test/fixtures/pairs (stack-ir-*,
 * dead-*-removed-in-loop, extra-local-read-before-written).
 */
function f(locals: string, body: string): IrFunction {
  const module = `(module (memory 1) (func $f (param i32 i32) (result i32) (local ${locals}) ${body}))`;
  return readIr(wat(module), FEATURES).functions.find((fn) => fn.name === 'f')!;
}

/** A loop whose body ends with `tail`, after a statement both sides share. */
const loop = (tail: string) => `
  (loop $next
    (i32.store offset=64 (local.get 2) (local.get 1))
    ${tail})
  (local.get 2)`;

const kinds = (nodes: readonly IrNode[]) => nodes.map((n) => n.kind);

describe('local-change fragments', () => {
  const base = f('i32 i32', loop(`
    (local.set 3 (i32.load8_u (local.get 2)))
    (local.set 2 (i32.add (local.get 2) (i32.const 1)))
    (br_if $next (local.get 3))`));

  it('a set moved into the branch that reads it: the run stops at the operand, without the branch', () => {
    const candidate = f('i32 i32 i32', loop(`
      (br_if $next (block $v (result i32)
        (local.set 4 (i32.load8_u (local.get 2)))
        (local.set 2 (i32.add (local.get 2) (i32.const 1)))
        (drop (br_if $v (local.get 4) (i32.eqz (local.get 4))))
        (local.get 4)))`));
    const fragments = localChangePairs(base, candidate)!;
    expect(fragments).toHaveLength(1);
    const [fragment] = fragments;
    expect(kinds(fragment!.base.parts)).toEqual(['local.set', 'local.set', 'local.get']);
    expect(kinds(fragment!.candidate.parts)).toEqual(['block']);
    expect(fragment!.base.node.type).toBe('i32');
    // Live where the branch goes (the header reads 1 and 2) or falls out (the result reads 2); local 3 is
    // dead there, local 4 is the candidate's own.
    expect(fragment!.compared).toEqual([1, 2]);
  });

  it('a statement removed: a run against nothing, compared after it by what the code after it reads', () => {
    const candidate = f('i32 i32', loop(`
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br_if $next (local.get 3))`));
    const [fragment] = localChangePairs(base, candidate)!;
    expect(kinds(fragment!.base.parts)).toEqual(['local.set']);
    expect(fragment!.candidate.parts).toEqual([]);
    expect(fragment!.compared).toContain(3);
  });

  it('a changed run that branches out of itself at every cut is no local change', () => {
    const candidate = f('i32 i32', loop(`
      (br_if $next (i32.load8_u (local.get 2)))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))`));
    expect(localChangePairs(base, candidate)).toBeUndefined();
  });

  it('locals that differ other than by extension, or other parameters, are no local change', () => {
    const other = (locals: string) => f(locals, loop('(local.set 2 (i32.const 0)) (br_if $next (local.get 3))'));
    expect(localChangePairs(base, other('i64 i32'))).toBeUndefined();
    expect(localChangePairs(base, other('i32 i32 i64'))).toBeDefined();
  });

  it('bodies nested deeper than the comparison can recurse are no local change, and no error', () => {
    const nested = (leaf: number, depth: number): IrFunction => {
      let body: IrNode = { kind: 'local.get', type: 'i32', local: leaf };
      for (let i = 0; i < depth; i++) body = { kind: 'block', type: 'i32', label: `b${i}`, children: [{ kind: 'nop', type: 'none' }, body] };
      return { name: 'f', params: ['i32', 'i32'], results: ['i32'], vars: [], size: depth + 1, body };
    };
    expect(localChangePairs(nested(0, 100), nested(1, 100))).toHaveLength(1);
    expect(() => localChangePairs(nested(0, 50_000), nested(1, 50_000))).not.toThrow();
  });

  it('code outside the fragments that names a local only one side has is no local change', () => {
    // Not valid wasm (the base has no local 4), but the argument rests on it, so it is checked.
    const get = (local: number): IrNode => ({ kind: 'local.get', type: 'i32', local });
    const fn = (vars: number, tail: IrNode): IrFunction => ({
      name: 'f', params: ['i32'], results: ['i32'], vars: Array(vars).fill('i32'), size: 4,
      body: { kind: 'block', type: 'i32', label: null, children: [{ kind: 'drop', type: 'none', value: get(4) }, tail] },
    });
    expect(localChangePairs(fn(3, get(1)), fn(4, get(2)))).toBeUndefined();
    expect(localChangePairs(fn(4, get(1)), fn(4, get(2)))).toBeDefined();
  });
});
