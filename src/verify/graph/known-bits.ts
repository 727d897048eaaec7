import { constValue, foldTerms, mask, type ParamData, type Term } from './terms.js';

/**
 * Known bits of the value graph's bit-vector terms: bits that are zero (`zeros`) or one (`ones`) in every
 * value the term can take. A fact is about the term's meaning (semantics.ts), so it holds wherever the term
 * occurs; the rules that use facts (rules.ts, `(zeros x)` and `(ones x)` in a rule's `pre`) are proved with
 * the fact as a hypothesis. Each case below is a transfer function that over-approximates its operator:
 * it may know less than is true, never more.
 *
 * A loop's header value (`lparam`) carries the facts its loop established for it (loops.ts), and the value a
 * loop leaves with (`exit`) has the facts of the iteration term it is: that term's facts hold at every
 * iteration, the last one included.
 */
export interface KnownBits {
  readonly zeros: bigint;
  readonly ones: bigint;
}

export const NOTHING_KNOWN: KnownBits = { zeros: 0n, ones: 0n };

/** What both facts say (a value that satisfies either satisfies this). */
export const meet = (a: KnownBits, b: KnownBits): KnownBits => ({ zeros: a.zeros & b.zeros, ones: a.ones & b.ones });

/** What either fact says (for two facts of one value: both hold, so this does). */
export const join = (a: KnownBits, b: KnownBits): KnownBits => ({ zeros: a.zeros | b.zeros, ones: a.ones | b.ones });

/** `a` says at least what `b` says. */
export const implies = (a: KnownBits, b: KnownBits): boolean => (a.zeros & b.zeros) === b.zeros && (a.ones & b.ones) === b.ones;

const memo = new WeakMap<Term, KnownBits>();
const NO_PARAMS: ReadonlyMap<Term, KnownBits> = new Map();

/** The terms a term's facts are computed from. */
function inputs(t: Term): readonly Term[] {
  switch (t.op) {
    case 'and': case 'or': case 'xor': case 'add': case 'mul': case 'concat': return t.args;
    case 'shl': case 'lshr': case 'ashr': case 'zext': case 'sext': case 'extract': return [t.args[0]!];
    case 'ite': return [t.args[1]!, t.args[2]!];
    case 'exit': return [t.args[1]!];
    default: return [];
  }
}

/** The known bits of `t` (nothing for a term that is not a bit-vector). */
export function knownBits(t: Term): KnownBits {
  return compute(t, memo, NO_PARAMS);
}

/**
 * The known bits terms would have if the loop parameters in `params` (built knowing nothing) had the facts
 * given there. Only a guess of what to assume at a loop header: loops.ts checks what it assumes.
 */
export function knownBitsAssuming(params: ReadonlyMap<Term, KnownBits>): (t: Term) => KnownBits {
  const known = new WeakMap<Term, KnownBits>();
  return (t) => compute(t, known, params);
}

function compute(t: Term, known: WeakMap<Term, KnownBits>, params: ReadonlyMap<Term, KnownBits>): KnownBits {
  return foldTerms(t, inputs, known, (u, of) => params.get(u) ?? (u.width > 0 ? transfer(u, of) : NOTHING_KNOWN));
}

/** The number of consecutive set bits of `x` from bit 0. */
function trailingOnes(x: bigint, width: number): number {
  let n = 0;
  while (n < width && (x >> BigInt(n)) & 1n) n++;
  return n;
}

/** Bits above the highest bit of `bound` (a value at most `bound` has them zero). */
function above(bound: bigint, width: number): bigint {
  return mask(width) & ~mask(bound.toString(2).length);
}

const largest = (k: KnownBits, width: number): bigint => mask(width) & ~k.zeros;

function transfer(t: Term, of: (a: Term) => KnownBits): KnownBits {
  const w = t.width;
  const m = mask(w);
  const args = inputs(t).map(of);
  switch (t.op) {
    case 'const': {
      const v = t.data as bigint;
      return { zeros: m & ~v, ones: v };
    }
    case 'lparam': {
      const [, , zeros, ones] = t.data as ParamData;
      return { zeros, ones };
    }
    case 'exit': return args[0]!;
    case 'and': return args.reduce((a, b) => ({ zeros: a.zeros | b.zeros, ones: a.ones & b.ones }));
    case 'or': return args.reduce((a, b) => ({ zeros: a.zeros & b.zeros, ones: a.ones | b.ones }));
    case 'xor': return args.reduce((a, b) => ({ zeros: (a.zeros & b.zeros) | (a.ones & b.ones), ones: (a.zeros & b.ones) | (a.ones & b.zeros) }));
    case 'ite': return meet(args[0]!, args[1]!);
    case 'add': {
      // The low bits every operand has zero stay zero; a sum of bounded operands that cannot wrap is bounded.
      const low = Math.min(...args.map((a) => trailingOnes(a.zeros, w)));
      const bound = args.reduce((s, a) => s + largest(a, w), 0n);
      return { zeros: mask(low) | (bound <= m ? above(bound, w) : 0n), ones: 0n };
    }
    case 'mul': {
      // Trailing zeros add up; a product of bounded operands that cannot wrap is bounded.
      const low = Math.min(w, args.reduce((s, a) => s + trailingOnes(a.zeros, w), 0));
      const bound = args.reduce((p, a) => p * largest(a, w), 1n);
      return { zeros: mask(low) | (bound <= m ? above(bound, w) : 0n), ones: 0n };
    }
    case 'shl': case 'lshr': case 'ashr': {
      const c = constValue(t.args[1]!);
      if (c === undefined) return NOTHING_KNOWN;
      const k = c & BigInt(w - 1);
      const [x] = args as [KnownBits];
      if (t.op === 'shl') return { zeros: ((x.zeros << k) | mask(Number(k))) & m, ones: (x.ones << k) & m };
      const top = m & ~(m >> k);
      const sign = 1n << BigInt(w - 1);
      // lshr fills with zeros; ashr with the sign bit, known when the sign bit is.
      const zeroFill = t.op === 'lshr' || (x.zeros & sign) !== 0n;
      const oneFill = t.op === 'ashr' && (x.ones & sign) !== 0n;
      return { zeros: (x.zeros >> k) | (zeroFill ? top : 0n), ones: (x.ones >> k) | (oneFill ? top : 0n) };
    }
    case 'zext': {
      const [x] = args as [KnownBits];
      return { zeros: x.zeros | (m & ~mask(t.args[0]!.width)), ones: x.ones };
    }
    case 'sext': {
      const [x] = args as [KnownBits];
      const inner = t.args[0]!.width;
      const sign = 1n << BigInt(inner - 1);
      const high = m & ~mask(inner);
      return { zeros: x.zeros | ((x.zeros & sign) !== 0n ? high : 0n), ones: x.ones | ((x.ones & sign) !== 0n ? high : 0n) };
    }
    case 'extract': {
      const [, lo] = t.data as readonly [number, number];
      const [x] = args as [KnownBits];
      return { zeros: (x.zeros >> BigInt(lo)) & m, ones: (x.ones >> BigInt(lo)) & m };
    }
    case 'concat': {
      let zeros = 0n;
      let ones = 0n;
      t.args.forEach((part, i) => {
        zeros = (zeros << BigInt(part.width)) | args[i]!.zeros;
        ones = (ones << BigInt(part.width)) | args[i]!.ones;
      });
      return { zeros, ones };
    }
    case 'b2bv': return { zeros: m & ~1n, ones: 0n };
    // Counts are at most the operand's width.
    case 'clz': case 'ctz': case 'popcnt': return { zeros: above(BigInt(t.args[0]!.width), w), ones: 0n };
    default: return NOTHING_KNOWN;
  }
}
