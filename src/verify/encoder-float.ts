import { bvLit, bvSort } from './smt.js';
import { type Sink, type Value, boolToI32, literal } from './values.js';

/**
 * Floats: bit-level operators (neg, abs, copysign, reinterpret) and float→int truncation are exact; operators
 * on constants are folded concretely; every other operator is one uninterpreted function per opcode over the
 * raw bits, which is the same function on both sides (deterministic up to NaN payloads, so a fold that would
 * produce a NaN is left to the function as well).
 */

const view = new DataView(new ArrayBuffer(8));

function toNumber(bits: bigint, width: number): number {
  if (width === 32) {
    view.setUint32(0, Number(bits), true);
    return view.getFloat32(0, true);
  }
  view.setBigUint64(0, bits, true);
  return view.getFloat64(0, true);
}

function toBits(value: number, width: number): bigint {
  if (width === 32) {
    view.setFloat32(0, value, true);
    return BigInt(view.getUint32(0, true));
  }
  view.setFloat64(0, value, true);
  return view.getBigUint64(0, true);
}

const round = (value: number, width: number) => (width === 32 ? Math.fround(value) : value);

function roundHalfEven(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  const floor = Math.floor(x);
  const diff = x - floor;
  const result = diff < 0.5 ? floor : diff > 0.5 ? floor + 1 : floor % 2 === 0 ? floor : floor + 1;
  return result === 0 ? (x < 0 ? -0 : 0) : result;
}

const signMask = (w: number) => 1n << BigInt(w - 1);
const floatWidth = (op: string) => (/Float64/.test(op) ? 64 : 32);

function declareOp(sink: Sink, op: string, args: number[], result: string): string {
  sink.approximate(op);
  return sink.script.declareFun(`f_${op}`, args.map(bvSort), result);
}

function foldUnary(op: string, v: Value): { width: number; value: number } | undefined {
  if (v.lit === undefined) return undefined;
  const w = v.width;
  const x = toNumber(v.lit, w);
  const conv = /^Convert(S|U)Int(32|64)ToFloat(32|64)$/.exec(op);
  if (conv) {
    const signed = conv[1] === 'S';
    const n = signed ? BigInt.asIntN(w, v.lit) : v.lit;
    const target = Number(conv[3]);
    // Number(bigint) rounds once to f64; rounding that again to f32 is only exact below 2^53.
    if (target === 32 && (n > 1n << 53n || n < -(1n << 53n))) return undefined;
    return { width: target, value: round(Number(n), target) };
  }
  const base = op.replace(/Float(32|64)$/, '');
  switch (base) {
    case 'Ceil': return { width: w, value: Math.ceil(x) };
    case 'Floor': return { width: w, value: Math.floor(x) };
    case 'Trunc': return { width: w, value: Math.trunc(x) };
    case 'Nearest': return { width: w, value: roundHalfEven(x) };
    case 'Sqrt': return { width: w, value: round(Math.sqrt(x), w) };
    default: break;
  }
  if (op === 'PromoteFloat32') return { width: 64, value: x };
  if (op === 'DemoteFloat64') return { width: 32, value: Math.fround(x) };
  return undefined;
}

interface TruncBounds { lowTrap: string; high: string; min: bigint; max: bigint }

/** Truncation is in range exactly when the value lies strictly between these bounds (as reals). */
function truncBounds(signed: boolean, width: number): TruncBounds {
  if (!signed) {
    return { lowTrap: '(fp.leq d lo)', high: width === 32 ? '4294967296.0' : '18446744073709551616.0', min: 0n, max: (1n << BigInt(width)) - 1n };
  }
  return width === 32
    ? { lowTrap: '(fp.leq d lo)', high: '2147483648.0', min: -(1n << 31n), max: (1n << 31n) - 1n }
    : { lowTrap: '(fp.lt d lo)', high: '9223372036854775808.0', min: -(1n << 63n), max: (1n << 63n) - 1n };
}

function lowBound(signed: boolean, width: number): string {
  if (!signed) return '-1.0';
  return width === 32 ? '-2147483649.0' : '-9223372036854775808.0';
}

function truncate(sink: Sink, op: string, v: Value): Value {
  const m = /^(Trunc|TruncSat)(S|U)Float(32|64)ToInt(32|64)$/.exec(op)!;
  const saturating = m[1] === 'TruncSat';
  const signed = m[2] === 'S';
  const from = Number(m[3]);
  const to = Number(m[4]);
  const fp = from === 32 ? `((_ to_fp 8 24) ${v.term})` : `((_ to_fp 11 53) ${v.term})`;
  const fx = sink.script.define('fx', from === 32 ? '(_ FloatingPoint 8 24)' : '(_ FloatingPoint 11 53)', fp);
  const d = from === 32 ? `((_ to_fp 11 53) RNE ${fx})` : fx;
  const bounds = truncBounds(signed, to);
  const lo = `((_ to_fp 11 53) RNE ${lowBound(signed, to)})`;
  const hi = `((_ to_fp 11 53) RNE ${bounds.high})`;
  const nan = `(fp.isNaN ${fx})`;
  const below = bounds.lowTrap.replace('d', d).replace('lo', lo);
  const above = `(fp.geq ${d} ${hi})`;
  const converted = `((_ ${signed ? 'fp.to_sbv' : 'fp.to_ubv'} ${to}) RTZ ${fx})`;
  if (!saturating) {
    sink.trap(`(or ${nan} ${below} ${above})`);
    return sink.value(to, converted);
  }
  const saturated = `(ite ${nan} ${bvLit(0n, to)} (ite ${below} ${bvLit(bounds.min, to)} (ite ${above} ${bvLit(bounds.max, to)} ${converted})))`;
  return sink.value(to, saturated);
}

export function floatUnary(sink: Sink, op: string, v: Value): Value | undefined {
  const w = v.width;
  switch (op) {
    case 'NegFloat32': case 'NegFloat64':
      return sink.value(w, `(bvxor ${v.term} ${bvLit(signMask(w), w)})`);
    case 'AbsFloat32': case 'AbsFloat64':
      return sink.value(w, `(bvand ${v.term} ${bvLit(signMask(w) - 1n, w)})`);
    case 'ReinterpretFloat32': case 'ReinterpretFloat64': case 'ReinterpretInt32': case 'ReinterpretInt64':
      return v;
    default: break;
  }
  if (/^(Trunc|TruncSat)(S|U)Float/.test(op)) return truncate(sink, op, v);
  const folded = foldUnary(op, v);
  if (folded && !Number.isNaN(folded.value)) return literal(toBits(folded.value, folded.width), folded.width);
  const resultWidth = /ToFloat64$|^PromoteFloat32$/.test(op) ? 64 : /ToFloat32$|^DemoteFloat64$/.test(op) ? 32 : w;
  if (!/Float|ToFloat/.test(op)) return undefined;
  const fn = declareOp(sink, op, [w], bvSort(resultWidth));
  return sink.value(resultWidth, `(${fn} ${v.term})`);
}

const FLOAT_COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  Eq: (a, b) => a === b, Ne: (a, b) => a !== b, Lt: (a, b) => a < b, Le: (a, b) => a <= b, Gt: (a, b) => a > b, Ge: (a, b) => a >= b,
};
const FLOAT_ARITH: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b,
  Min: (a, b) => Math.min(a, b), Max: (a, b) => Math.max(a, b),
};

export function floatBinary(sink: Sink, op: string, a: Value, b: Value): Value | undefined {
  const w = floatWidth(op);
  const base = op.replace(/Float(32|64)$/, '');
  if (base === 'CopySign') {
    const sign = bvLit(signMask(w), w);
    const rest = bvLit(signMask(w) - 1n, w);
    return sink.value(w, `(bvor (bvand ${a.term} ${rest}) (bvand ${b.term} ${sign}))`);
  }
  const bothConstant = a.lit !== undefined && b.lit !== undefined;
  const compare = FLOAT_COMPARISONS[base];
  if (compare) {
    if (bothConstant) return literal(compare(toNumber(a.lit!, w), toNumber(b.lit!, w)) ? 1n : 0n, 32);
    const fn = declareOp(sink, op, [w, w], 'Bool');
    return boolToI32(sink, `(${fn} ${a.term} ${b.term})`);
  }
  const arith = FLOAT_ARITH[base];
  if (!arith) return undefined;
  if (bothConstant) {
    const value = round(arith(toNumber(a.lit!, w), toNumber(b.lit!, w)), w);
    if (!Number.isNaN(value)) return literal(toBits(value, w), w);
  }
  const fn = declareOp(sink, op, [w, w], bvSort(w));
  return sink.value(w, `(${fn} ${a.term} ${b.term})`);
}
