import { bvLit } from './smt.js';
import { type Sink, type Value, boolToI32 } from './values.js';

/** Exact bit-vector semantics of the integer operators (MVP and sign-extension). */

const zero = (w: number) => bvLit(0n, w);
const bit = (v: string, i: number) => `(= ((_ extract ${i} ${i}) ${v}) #b1)`;

/** Shift and rotate counts are taken modulo the width; SMT shifts are not. */
const count = (w: number, b: string) => `(bvand ${b} ${bvLit(BigInt(w - 1), w)})`;

function clz(w: number, v: string): string {
  let expr = bvLit(BigInt(w), w);
  for (let i = 0; i < w; i++) expr = `(ite ${bit(v, i)} ${bvLit(BigInt(w - 1 - i), w)} ${expr})`;
  return expr;
}

function ctz(w: number, v: string): string {
  let expr = bvLit(BigInt(w), w);
  for (let i = w - 1; i >= 0; i--) expr = `(ite ${bit(v, i)} ${bvLit(BigInt(i), w)} ${expr})`;
  return expr;
}

function popcnt(w: number, v: string): string {
  const bits = Array.from({ length: w }, (_, i) => `((_ zero_extend ${w - 1}) ((_ extract ${i} ${i}) ${v}))`);
  return `(bvadd ${bits.join(' ')})`;
}

/**
 * x << k for a constant k, written as a concatenation. Shifting by a constant and multiplying by a power of
 * two (a strength reduction every optimizer makes) then give the same term, which the solver sees at once
 * instead of having to prove bvmul and bvshl equal, e.g. inside memory addresses.
 */
function shiftedLeft(w: number, x: string, k: number): string {
  if (k === 0) return x;
  return `(concat ((_ extract ${w - 1 - k} 0) ${x}) ${bvLit(0n, k)})`;
}

/** log2 of a power of two, else undefined. */
function exactLog2(v: bigint | undefined): number | undefined {
  if (v === undefined || v === 0n || (v & (v - 1n)) !== 0n) return undefined;
  return v.toString(2).length - 1;
}

const signExtendFrom = (w: number, from: number, v: string) =>
  `((_ sign_extend ${w - from}) ((_ extract ${from - 1} 0) ${v}))`;

export function intUnary(sink: Sink, op: string, v: Value): Value | undefined {
  const w = v.width;
  const x = v.term;
  switch (op.replace(/Int(32|64)$/, '')) {
    case 'Clz': return sink.value(w, clz(w, x));
    case 'Ctz': return sink.value(w, ctz(w, x));
    case 'Popcnt': return sink.value(w, popcnt(w, x));
    case 'EqZ': return boolToI32(sink, `(= ${x} ${zero(w)})`);
    case 'ExtendS8': return sink.value(w, signExtendFrom(w, 8, x));
    case 'ExtendS16': return sink.value(w, signExtendFrom(w, 16, x));
    case 'ExtendS32': return sink.value(w, signExtendFrom(w, 32, x));
    default: break;
  }
  switch (op) {
    case 'ExtendSInt32': return sink.value(64, `((_ sign_extend 32) ${x})`);
    case 'ExtendUInt32': return sink.value(64, `((_ zero_extend 32) ${x})`);
    case 'WrapInt64': return sink.value(32, `((_ extract 31 0) ${x})`);
    default: return undefined;
  }
}

const COMPARISONS: Record<string, string> = {
  Eq: '=', LtS: 'bvslt', LtU: 'bvult', LeS: 'bvsle', LeU: 'bvule', GtS: 'bvsgt', GtU: 'bvugt', GeS: 'bvsge', GeU: 'bvuge',
};
const PLAIN: Record<string, string> = {
  Add: 'bvadd', Sub: 'bvsub', Mul: 'bvmul', And: 'bvand', Or: 'bvor', Xor: 'bvxor',
};

export function intBinary(sink: Sink, op: string, a: Value, b: Value): Value | undefined {
  const w = a.width;
  const base = op.replace(/Int(32|64)$/, '');
  const x = a.term;
  const y = b.term;
  if (base === 'Shl' && b.lit !== undefined) return sink.value(w, shiftedLeft(w, x, Number(b.lit % BigInt(w))));
  if (base === 'Mul') {
    const byB = exactLog2(b.lit);
    const byA = exactLog2(a.lit);
    if (byB !== undefined) return sink.value(w, shiftedLeft(w, x, byB));
    if (byA !== undefined) return sink.value(w, shiftedLeft(w, y, byA));
  }
  if (PLAIN[base]) return sink.value(w, `(${PLAIN[base]} ${x} ${y})`);
  if (COMPARISONS[base]) return boolToI32(sink, `(${COMPARISONS[base]} ${x} ${y})`);
  const min = bvLit(1n << BigInt(w - 1), w);
  const minusOne = bvLit(-1n, w);
  switch (base) {
    case 'Ne': return boolToI32(sink, `(not (= ${x} ${y}))`);
    case 'DivS':
      sink.trap(`(or (= ${y} ${zero(w)}) (and (= ${x} ${min}) (= ${y} ${minusOne})))`);
      return sink.value(w, `(bvsdiv ${x} ${y})`);
    case 'DivU':
      sink.trap(`(= ${y} ${zero(w)})`);
      return sink.value(w, `(bvudiv ${x} ${y})`);
    case 'RemS':
      sink.trap(`(= ${y} ${zero(w)})`);
      return sink.value(w, `(bvsrem ${x} ${y})`);
    case 'RemU':
      sink.trap(`(= ${y} ${zero(w)})`);
      return sink.value(w, `(bvurem ${x} ${y})`);
    case 'Shl': return sink.value(w, `(bvshl ${x} ${count(w, y)})`);
    case 'ShrU': return sink.value(w, `(bvlshr ${x} ${count(w, y)})`);
    case 'ShrS': return sink.value(w, `(bvashr ${x} ${count(w, y)})`);
    case 'RotL': {
      const k = sink.value(w, count(w, y)).term;
      return sink.value(w, `(bvor (bvshl ${x} ${k}) (bvlshr ${x} (bvsub ${bvLit(BigInt(w), w)} ${k})))`);
    }
    case 'RotR': {
      const k = sink.value(w, count(w, y)).term;
      return sink.value(w, `(bvor (bvlshr ${x} ${k}) (bvshl ${x} (bvsub ${bvLit(BigInt(w), w)} ${k})))`);
    }
    default: return undefined;
  }
}
