import { describe, expect, it } from 'vitest';
import { Builder } from '../../../src/verify/graph/build.js';
import { evaluateTerm, type Concrete } from '../../../src/verify/graph/semantics.js';
import { Graph, GraphWork, type BV, type Bool, type Term } from '../../../src/verify/graph/terms.js';

/**
 * Atoms: comparisons of free 32-bit values with constants, as block-exit guards are, each of its own value (two
 * comparisons of one value with constants imply or exclude each other: see the switch cases below).
 */
function atoms(b: Builder, n: number): Bool[] {
  return Array.from({ length: n }, (_, i) => b.ult(b.variable(`x${i}`, 'bv32') as BV, b.constant(BigInt(10 * i + 5), 32)));
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

  it('merge members that differ in one conjunct each (R ∧ x1) ∨ … ∨ (R ∧ xk) into R ∧ (x1 ∨ … ∨ xk), in any order, at linear cost', () => {
    // The trap guards of an unrolled loop's accesses: ten paths, thirty accesses on each.
    const work = new GraphWork(200_000_000);
    const b = new Builder(new Graph({ maxTerms: 1_000_000, work, deadline: Infinity }));
    const [path, ...checks] = atoms(b, 310) as [Bool, ...Bool[]];
    const paths = checks.splice(0, 10).map((p) => b.and(path, p));
    const guards = paths.flatMap((p, i) => checks.slice(30 * i, 30 * i + 30).map((x) => b.and(p, x)));
    const before = work.left;
    const merged = b.or(...guards);
    // One pair merged per rebuild (each rebuild is charged its members squared) cost 9.05 million here; 0.19 now.
    expect(before - work.left).toBeLessThan(400_000);
    expect(merged).toBe(b.or(...paths.map((p, i) => b.and(p, b.or(...checks.slice(30 * i, 30 * i + 30))))));
    expect(b.or(...[...guards].reverse())).toBe(merged);
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

describe('disjunctions of trap guards (each says no earlier trap fired)', () => {
  /** The guards of traps checked in `order`: trap k fires when its check holds and no earlier one did. */
  const guards = (b: Builder, path: Bool, checks: Bool[], order: number[]): Bool[] =>
    order.map((k, i) => b.and(path, ...order.slice(0, i).map((j) => b.not(checks[j]!)), checks[k]!));

  it('give one term whatever order eighty traps were checked in', () => {
    const b = new Builder();
    const [path, ...checks] = atoms(b, 81) as [Bool, ...Bool[]];
    const forward = checks.map((_, i) => i);
    const shuffled = [...forward].sort((i, j) => ((i * 37) % 81) - ((j * 37) % 81));
    const trapped = b.or(...guards(b, path, checks, forward));
    expect(b.or(...guards(b, path, checks, shuffled))).toBe(trapped);
    expect(trapped).toBe(b.and(path, b.or(...checks)));
  });

  it('keep only the weaker of two bounds checks of one pointer, in either order', () => {
    const b = new Builder();
    const [path, other] = atoms(b, 2) as [Bool, Bool];
    const limit = b.variable('limit', 'bv64');
    const base = b.apply('zext', 'bv64', [b.variable('p', 'bv32')]) as BV;
    const past = (offset: bigint) => b.ult(limit, b.add(base, b.constant(offset, 64)));
    const earlier = b.or(other, ...guards(b, path, [past(8n), past(12n)], [0, 1]));
    const later = b.or(other, ...guards(b, path, [past(8n), past(12n)], [1, 0]));
    expect(earlier).toBe(later);
    expect(earlier).toBe(b.or(other, b.and(path, past(12n))));
  });

  it("drop a member's negation of members the disjunction holds (X ∨ (¬X ∧ d) = X ∨ d), and the mirror image", () => {
    const b = new Builder();
    const [a, p, q, d] = atoms(b, 4) as [Bool, Bool, Bool, Bool];
    // No earlier trap fired: the negation of (a ∧ p) ∨ (a ∧ q), which the builder holds as ¬a ∨ (¬p ∧ ¬q).
    const none = b.not(b.or(b.and(a, p), b.and(a, q)));
    expect(none.op).toBe('bor');
    expect(b.or(b.and(a, p), b.and(a, q), b.and(none, d))).toBe(b.or(b.and(a, p), b.and(a, q), d));
    expect(b.or(b.and(none, d), b.and(a, q), b.and(a, p))).toBe(b.or(d, b.and(a, p), b.and(a, q)));
    const all = b.not(b.and(b.or(a, p), b.or(a, q)));
    expect(b.and(b.or(a, p), b.or(a, q), b.or(all, d))).toBe(b.and(b.or(a, p), b.or(a, q), d));
  });

  it('keep the negation where the disjunction holds only part of what it negates', () => {
    const b = new Builder();
    const [a, p, q, d] = atoms(b, 4) as [Bool, Bool, Bool, Bool];
    const none = b.not(b.or(b.and(a, p), b.and(a, q)));
    const or = b.or(b.and(a, p), b.and(none, d));
    expect(or).not.toBe(b.or(b.and(a, p), d));
    expect(or.args).toContain(b.and(none, d));
  });
});


describe('a guard grown one condition at a time (alive ∧ ¬trap, per memory access)', () => {
  /** Bounds checks `limit < zext(p_k) + offset` of pointers p_k, as every memory access gives. */
  function checks(b: Builder) {
    const limit = b.variable('limit', 'bv64');
    return (pointer: number, offset: bigint) => b.ult(limit, b.add(b.apply('zext', 'bv64', [b.variable(`p${pointer}`, 'bv32')]) as BV, b.constant(offset, 64)));
  }

  it('is the conjunction built at once, members that share nothing kept as they are', () => {
    const b = new Builder();
    const past = checks(b);
    const [s, t] = atoms(b, 2) as [Bool, Bool];
    // A disjunction first (a merged path), so that each later member meets a connective with a dual in it.
    const members = [b.or(s, t), ...Array.from({ length: 30 }, (_, k) => b.not(past(k, 4n)))];
    const grown = members.reduce((alive, m) => b.and(alive, m));
    expect(grown).toBe(b.and(...[...members].reverse()));
    expect(new Set(grown.args)).toEqual(new Set(members));
  });

  it('simplifies a member that shares a pointer or an atom with one before it, as the conjunction built at once', () => {
    const b = new Builder();
    const past = checks(b);
    const [s, t] = atoms(b, 2) as [Bool, Bool];
    const members = [b.or(s, t), ...Array.from({ length: 10 }, (_, k) => b.not(past(k, 4n))), b.not(past(3, 8n)), b.not(s)];
    const grown = members.reduce((alive, m) => b.and(alive, m));
    expect(grown).toBe(b.and(...[...members].reverse()));
    // The stronger check of p3 stays; ¬s with s ∨ t leaves t.
    expect(grown.args).not.toContain(b.not(past(3, 4n)));
    expect(grown.args).toContain(b.not(past(3, 8n)));
    expect(grown.args).toContain(t);
  });
});

describe('comparisons of one value with constants (switch cases)', () => {
  it('give each target of a chain of br_ifs the guard a br_table gives it: the equality alone', () => {
    const b = new Builder();
    const [path] = atoms(b, 1) as [Bool];
    const x = b.variable('i', 'bv32') as BV;
    const is = (k: number) => b.eq(x, b.constant(BigInt(k), 32));
    // Built one test at a time, as the encoder narrows the path after each br_if.
    let alive = path;
    for (let k = 0; k < 64; k++) {
      expect(b.and(alive, is(k))).toBe(b.and(path, is(k)));
      alive = b.and(alive, b.not(is(k)));
    }
    expect(alive).toBe(b.and(path, ...Array.from({ length: 64 }, (_, k) => b.not(is(k)))));
  });

  it('are decided by an equality: other equalities contradict it, disequalities of other constants go', () => {
    const b = new Builder();
    const x = b.variable('i', 'bv32') as BV;
    const c = (k: number) => b.constant(BigInt(k), 32);
    expect(b.and(b.eq(x, c(7)), b.not(b.eq(x, c(2))), b.not(b.eq(x, c(5))))).toBe(b.eq(x, c(7)));
    expect(b.and(b.eq(x, c(3)), b.eq(x, c(4)))).toBe(b.false);
    expect(b.and(b.eq(x, c(3)), b.not(b.eq(x, c(3))))).toBe(b.false);
  });

  it('keep their meaning: every conjunction of random case comparisons on an 8-bit value, on all 256 values', () => {
    const b = new Builder();
    const x = b.variable('x', 'bv8') as BV;
    const c = (k: number) => b.constant(BigInt(k & 255), 8);
    const evaluate = (t: Term, value: number): Concrete => {
      if (t === x) return BigInt(value);
      if (t.op === 'const' || t.op === 'bool') return t.data as Concrete;
      return evaluateTerm(t, t.args.map((a) => evaluate(a, value)))!;
    };
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 300; round++) {
      const members: Array<{ term: Bool; holds: (v: number) => boolean }> = [];
      for (let m = 0; m < 2 + random(6); m++) {
        const k = random(12) * (random(4) === 0 ? 21 : 1);
        const start = random(3) === 0 ? random(250) : 0;
        const n = 1 + random(6);
        const kind = random(3);
        if (kind === 0) members.push({ term: b.eq(x, c(k)), holds: (v) => v === (k & 255) });
        else if (kind === 1) members.push({ term: b.not(b.eq(x, c(k))), holds: (v) => v !== (k & 255) });
        else {
          const shifted = start === 0 ? x : b.add(x, c(-start));
          members.push({ term: b.not(b.ult(shifted, c(n))), holds: (v) => ((v - start) & 255) >= n });
        }
      }
      const conjunction = b.and(...members.map((m) => m.term));
      for (let v = 0; v < 256; v++) {
        expect(evaluate(conjunction, v), `${round}: x = ${v}`).toBe(members.every((m) => m.holds(v)));
      }
    }
  });
});
