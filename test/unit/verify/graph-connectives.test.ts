import { describe, expect, it } from 'vitest';
import { Builder } from '../../../src/verify/graph/build.js';
import type { Bool } from '../../../src/verify/graph/terms.js';

/** Atoms: comparisons of free 32-bit values with constants, as block-exit guards are. */
function atoms(b: Builder, n: number): Bool[] {
  const x = b.variable('x', 'bv32');
  return Array.from({ length: n }, (_, i) => b.ult(x, b.constant(BigInt(10 * i + 5), 32)));
}

/** Every conjunction of the atoms or their negations (2^n minterms), each with `shared` too. */
function minterms(b: Builder, bits: Bool[], shared: Bool[]): Bool[] {
  return Array.from({ length: 1 << bits.length }, (_, m) => b.and(...shared, ...bits.map((p, i) => ((m >> i) & 1 ? p : b.not(p)))));
}

describe('disjunctions of conjunctions (block-exit guards)', () => {
  it('merge (S ∧ q) ∨ (S ∧ ¬q) to S', () => {
    const b = new Builder();
    const [p, q, r, s] = atoms(b, 4) as [Bool, Bool, Bool, Bool];
    expect(b.or(b.and(p, r, q), b.and(r, b.not(q), p))).toBe(b.and(p, r));
    expect(b.or(b.and(p, q), s, b.and(b.not(q), p))).toBe(b.or(p, s));
  });

  it('merge every minterm of six guards back to what they share, whatever the order', () => {
    const b = new Builder();
    const [s, ...bits] = atoms(b, 7) as [Bool, ...Bool[]];
    const terms = minterms(b, bits, [s]);
    expect(b.or(...terms)).toBe(s);
    expect(b.or(...[...terms].reverse())).toBe(s);
  });

  it('leave conjunctions that differ in more than the complementary pair apart', () => {
    const b = new Builder();
    const [p, q, r] = atoms(b, 3) as [Bool, Bool, Bool];
    const or = b.or(b.and(p, q), b.and(r, b.not(q)));
    expect(or.op).toBe('bor');
    expect(or.args).toHaveLength(2);
    expect(b.or(b.and(r, b.not(q)), b.and(p, q))).toBe(or);
  });
});
