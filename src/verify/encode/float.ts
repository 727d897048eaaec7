import type { BV, Bool } from '../graph/terms.js';
import { bvSort, constValue, mask } from '../graph/terms.js';
import { bitsOfFloat, floatOfBits } from '../graph/semantics.js';
import type { OperatorSide } from './int.js';

/**
 * Floats: bit-level operators (neg, abs, copysign, reinterpret) and float→int truncation are exact; operators
 * on constants are folded concretely; every other operator is one uninterpreted function per opcode over the
 * raw bits, which is the same function on both sides (deterministic up to NaN payloads, so a fold that would
 * produce a NaN is left to the function as well).
 */

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

function foldUnary(op: string, bits: bigint, w: number): { width: number; value: number } | undefined {
  const x = floatOfBits(bits, w);
  const conv = /^Convert(S|U)Int(32|64)ToFloat(32|64)$/.exec(op);
  if (conv) {
    const n = conv[1] === 'S' ? BigInt.asIntN(w, bits) : bits;
    const target = Number(conv[3]);
    // Number(bigint) rounds once to f64; rounding that again to f32 is only exact below 2^53.
    if (target === 32 && (n > 1n << 53n || n < -(1n << 53n))) return undefined;
    return { width: target, value: round(Number(n), target) };
  }
  switch (op.replace(/Float(32|64)$/, '')) {
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

export function floatUnary(side: OperatorSide, op: string, v: BV): BV | undefined {
  const b = side.build;
  const w = v.width;
  switch (op) {
    case 'NegFloat32': case 'NegFloat64': return b.bits('xor', v, b.constant(signMask(w), w));
    case 'AbsFloat32': case 'AbsFloat64': return b.bits('and', v, b.constant(signMask(w) - 1n, w));
    case 'ReinterpretFloat32': case 'ReinterpretFloat64': case 'ReinterpretInt32': case 'ReinterpretInt64': return v;
    default: break;
  }
  const trunc = /^(Trunc|TruncSat)(S|U)Float(32|64)ToInt(32|64)$/.exec(op);
  if (trunc) {
    const to = Number(trunc[4]);
    if (trunc[1] === 'Trunc') side.trap(b.apply('truncTrap', 'bool', [v], op) as Bool);
    return b.apply('trunc', bvSort(to), [v], op) as BV;
  }
  if (!/Float|ToFloat/.test(op)) return undefined;
  const bits = constValue(v);
  const folded = bits === undefined ? undefined : foldUnary(op, bits, w);
  if (folded && !Number.isNaN(folded.value)) return b.constant(bitsOfFloat(folded.value, folded.width), folded.width);
  const resultWidth = /ToFloat64$|^PromoteFloat32$/.test(op) ? 64 : /ToFloat32$|^DemoteFloat64$/.test(op) ? 32 : w;
  side.approximate(op);
  return b.uf(`f_${op}`, bvSort(resultWidth), [v]) as BV;
}

const FLOAT_COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  Eq: (a, b) => a === b, Ne: (a, b) => a !== b, Lt: (a, b) => a < b, Le: (a, b) => a <= b, Gt: (a, b) => a > b, Ge: (a, b) => a >= b,
};
const FLOAT_ARITH: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b,
  Min: (a, b) => Math.min(a, b), Max: (a, b) => Math.max(a, b),
};

export function floatBinary(side: OperatorSide, op: string, x: BV, y: BV): BV | undefined {
  const b = side.build;
  const w = floatWidth(op);
  const base = op.replace(/Float(32|64)$/, '');
  if (base === 'CopySign') {
    const sign = b.constant(signMask(w), w);
    return b.bits('or', b.bits('and', x, b.constant(mask(w) ^ signMask(w), w)), b.bits('and', y, sign));
  }
  const [cx, cy] = [constValue(x), constValue(y)];
  const both = cx !== undefined && cy !== undefined;
  const compare = FLOAT_COMPARISONS[base];
  if (compare) {
    if (both) return b.constant(compare(floatOfBits(cx, w), floatOfBits(cy, w)) ? 1n : 0n, 32);
    side.approximate(op);
    return b.b2bv(b.uf(`f_${op}`, 'bool', [x, y]));
  }
  const arith = FLOAT_ARITH[base];
  if (!arith) return undefined;
  if (both) {
    const value = round(arith(floatOfBits(cx, w), floatOfBits(cy, w)), w);
    if (!Number.isNaN(value)) return b.constant(bitsOfFloat(value, w), w);
  }
  side.approximate(op);
  return b.uf(`f_${op}`, bvSort(w), [x, y]) as BV;
}
