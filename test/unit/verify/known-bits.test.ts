import { describe, expect, it } from 'vitest';
import { Builder } from '../../../src/verify/graph/build.js';
import { knownBits } from '../../../src/verify/graph/known-bits.js';
import { evaluateTerm, type Concrete } from '../../../src/verify/graph/semantics.js';
import { Graph, bvSort, type Op, type Term } from '../../../src/verify/graph/terms.js';

/**
 * Known bits are sound: for terms built (raw, so that every transfer function is exercised as written) from
 * two 8-bit inputs with every operator known-bits.ts has a case for, each known bit has its value for all
 * 65536 pairs of inputs. And they are not vacuous: the shapes the rules rely on have the facts they need.
 */

const W = 8;

/** A small deterministic generator (the trees are the same on every run). */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomTree(graph: Graph, next: () => number, depth: number): Term {
  const sort = bvSort(W);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const constant = (v: bigint, w = W) => graph.intern('const', bvSort(w), [], BigInt.asUintN(w, v));
  const leaf = () => (next() < 0.6 ? graph.intern('var', sort, [], pick(['x', 'y'])) : constant(BigInt(Math.floor(next() * 256))));
  if (depth === 0) return leaf();
  const sub = () => randomTree(graph, next, depth - 1);
  const low4 = (t: Term) => graph.intern('extract', bvSort(4), [t], [3, 0]);
  const op = pick<Op | 'leaf'>(['leaf', 'and', 'or', 'xor', 'add', 'mul', 'shl', 'lshr', 'ashr', 'zext', 'sext', 'extract', 'concat', 'ite', 'b2bv', 'clz', 'ctz', 'popcnt']);
  switch (op) {
    case 'leaf': return leaf();
    case 'and': case 'or': case 'xor': case 'add': case 'mul':
      return graph.intern(op, sort, next() < 0.3 ? [sub(), sub(), sub()] : [sub(), sub()]);
    case 'shl': case 'lshr': case 'ashr': return graph.intern(op, sort, [sub(), constant(BigInt(Math.floor(next() * 12)))]);
    case 'zext': case 'sext': return graph.intern(op, sort, [low4(sub())]);
    case 'extract': return graph.intern('zext', sort, [graph.intern('extract', bvSort(5), [sub()], [6, 2])]);
    case 'concat': return graph.intern('concat', sort, [graph.intern('extract', bvSort(4), [sub()], [7, 4]), low4(sub())]);
    case 'ite': return graph.intern('ite', sort, [graph.intern('ult', 'bool', [sub(), sub()]), sub(), sub()]);
    case 'b2bv': return graph.intern('b2bv', sort, [graph.intern('eq', 'bool', [sub(), sub()])]);
    default: return graph.intern(op, sort, [sub()]);
  }
}

/** The value of `t` for inputs x and y. */
function value(t: Term, x: bigint, y: bigint, memo: Map<Term, Concrete>): Concrete {
  const known = memo.get(t);
  if (known !== undefined) return known;
  const v = t.op === 'var' ? (t.data === 'x' ? x : y)
    : t.op === 'const' ? (t.data as bigint)
      : evaluateTerm(t, t.args.map((a) => value(a, x, y, memo)))!;
  memo.set(t, v);
  return v;
}

describe('known bits', () => {
  it('hold for every input of random terms over every operator they reason about', () => {
    const graph = new Graph();
    const next = generator(15);
    let informative = 0;
    for (let n = 0; n < 40; n++) {
      const term = randomTree(graph, next, 3);
      const { zeros, ones } = knownBits(term);
      expect(zeros & ones, 'a bit known both ways').toBe(0n);
      if (zeros !== 0n || ones !== 0n) informative++;
      for (let x = 0n; x < 256n; x++) {
        for (let y = 0n; y < 256n; y++) {
          const v = value(term, x, y, new Map()) as bigint;
          if ((v & zeros) !== 0n || (v & ones) !== ones) {
            expect.fail(`x=${x} y=${y}: value ${v} against zeros ${zeros} ones ${ones} of term ${term.id}`);
          }
        }
      }
    }
    expect(informative).toBeGreaterThan(20);
  });

  it('know the high bits of narrow loads and of what is computed from them', () => {
    const b = new Builder();
    const mem = b.variable('mem', 'mem32');
    const byte = b.zext(b.load(mem, b.constant(82186n, 32), 1), 32);
    expect(knownBits(byte)).toEqual({ zeros: 0xffffff00n, ones: 0n });
    expect(knownBits(b.bits('or', byte, b.constant(4n, 32)))).toEqual({ zeros: 0xffffff00n, ones: 4n });
    const half = (at: string) => b.zext(b.load(mem, b.variable(at, 'bv32'), 2), 64);
    expect(knownBits(b.add(half('p'), half('q'))).zeros).toBe(0xfffffffffffe0000n);
    expect(knownBits(b.add(half('p'), half('p'))).zeros).toBe(0xfffffffffffe0001n);
    expect(knownBits(b.unary('popcnt', b.variable('v', 'bv64'))).zeros).toBe(0xffffffffffffff80n);
  });

  it('let the builder drop masks that clear only known zeros, and nothing more', () => {
    const b = new Builder();
    const mem = b.variable('mem', 'mem32');
    const byte = b.zext(b.load(mem, b.variable('p', 'bv32'), 1), 32);
    const flags = b.bits('or', byte, b.constant(4n, 32));
    expect(b.bits('and', flags, b.constant(255n, 32))).toBe(flags);
    expect(b.bits('and', flags, b.constant(0xff00n, 32))).toBe(b.constant(0n, 32));
    expect(b.bits('or', flags, b.constant(4n, 32))).toBe(flags);
    expect(b.eq(flags, b.constant(256n, 32))).toBe(b.false);
    expect(b.eq(flags, b.constant(3n, 32))).toBe(b.false);
    // A mask that clears a bit that may be set stays.
    const masked = b.bits('and', flags, b.constant(127n, 32));
    expect(masked.op).toBe('and');
    expect(b.eq(flags, b.constant(6n, 32)).op).toBe('eq');
  });
});
