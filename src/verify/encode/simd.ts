import type { BV, Bool } from '../graph/terms.js';
import { mask } from '../graph/terms.js';
import type { IrSimd, IrSimdMemory } from '../../wasm/ir.js';
import { comparison, intBinary, type OperatorSide } from './int.js';
import type { MemoryModel, MemorySide } from './memory.js';

/**
 * SIMD (v128 as one 128-bit vector, lane 0 in the low bits, as wasm lays it out in memory). Exact: bitwise
 * operators, lane moves (splat, extract, replace, shuffle, loads that splat, extend, zero-fill or fill one
 * lane, stores of one lane) and the integer lane arithmetic, comparisons and shifts, each written lane by
 * lane with the scalar operators of int.ts. Every other deterministic operator (float lanes, saturating,
 * narrowing, dot products, …) is one uninterpreted function per opcode over the raw bits, the same on both
 * sides, as float.ts does for scalar floats. Relaxed SIMD is not encoded: its results may differ between
 * runs of one engine, so no function of the operands stands for them.
 */

interface Shape {
  /** Bits per lane (a vector holds 128 / lane of them). */
  lane: number;
  float: boolean;
}

const SHAPES: Record<string, Shape> = {
  I8x16: { lane: 8, float: false },
  I16x8: { lane: 16, float: false },
  I32x4: { lane: 32, float: false },
  I64x2: { lane: 64, float: false },
  F32x4: { lane: 32, float: true },
  F64x2: { lane: 64, float: true },
};

/** The shape an operator name ends with (`AddVecI32x4` → I32x4); the first one for conversions. */
function shapeOf(op: string): Shape | undefined {
  const m = /Vec(I8x16|I16x8|I32x4|I64x2|F32x4|F64x2)/.exec(op);
  return m ? SHAPES[m[1]!] : undefined;
}

/** The lanes of `v`, lane 0 first. */
function lanes(side: OperatorSide, v: BV, width: number): BV[] {
  return Array.from({ length: v.width / width }, (_, i) => side.build.extract(v, width * i + width - 1, width * i));
}

/** A vector from its lanes, lane 0 first. */
function join(side: OperatorSide, parts: readonly BV[]): BV {
  return side.build.concat(...[...parts].reverse());
}

/** A lane mask: all ones where `p` holds. */
function laneMask(side: OperatorSide, p: Bool, width: number): BV {
  const b = side.build;
  return b.ite(p, b.constant(mask(width), width), b.constant(0n, width));
}

/** Each lane sign- or zero-extended to twice its width. */
function widened(side: OperatorSide, parts: readonly BV[], signed: boolean): BV {
  const b = side.build;
  return join(side, parts.map((l) => (signed ? b.sext(l, 2 * l.width) : b.zext(l, 2 * l.width))));
}

/** `value` in every lane of a vector. */
function splat(side: OperatorSide, value: BV): BV {
  return join(side, Array.from({ length: 128 / value.width }, () => value));
}

/** Every bit of a vector flipped. */
function flipped(side: OperatorSide, v: BV): BV {
  return side.build.bits('xor', v, side.build.constant(mask(128), 128));
}

/** A scalar operand as a lane of `width` bits (i8 and i16 lanes take the low bits of an i32). */
function asLane(side: OperatorSide, x: BV, width: number): BV {
  return x.width > width ? side.build.extract(x, width - 1, 0) : x;
}

function opaque(side: OperatorSide, op: string, sort: `bv${number}`, args: BV[]): BV {
  side.approximate(op);
  return side.build.uf(`v_${op}`, sort, args) as BV;
}

const relaxed = (op: string) => op.startsWith('Relaxed');

export function simdUnary(side: OperatorSide, op: string, x: BV): BV | undefined {
  if (relaxed(op)) return undefined;
  const b = side.build;
  const shape = shapeOf(op);
  if (op === 'NotVec128') return flipped(side, x);
  if (op === 'AnyTrueVec128') return b.b2bv(b.truthy(x));
  if (!shape) return undefined;
  const { lane } = shape;
  if (op.startsWith('Splat')) return splat(side, asLane(side, x, lane));
  const each = (f: (l: BV) => BV) => join(side, lanes(side, x, lane).map(f));
  const sign = b.constant(1n << BigInt(lane - 1), lane);
  if (shape.float) {
    // Sign-bit operators are exact on floats too; everything else rounds or looks at NaNs.
    if (op.startsWith('Neg')) return each((l) => b.bits('xor', l, sign));
    if (op.startsWith('Abs')) return each((l) => b.bits('and', l, b.constant(mask(lane) >> 1n, lane)));
    return opaque(side, op, 'bv128', [x]);
  }
  const extend = /^Extend(Low|High)(S|U)Vec\w+ToVec(I16x8|I32x4|I64x2)$/.exec(op);
  if (extend) {
    const all = lanes(side, x, lane);
    const half = extend[1] === 'Low' ? all.slice(0, all.length / 2) : all.slice(all.length / 2);
    return widened(side, half, extend[2] === 'S');
  }
  if (op.startsWith('Neg')) return each((l) => b.neg(l));
  if (op.startsWith('Abs')) return each((l) => b.ite(b.slt(l, b.constant(0n, lane)), b.neg(l), l));
  if (op.startsWith('Popcnt')) return each((l) => b.unary('popcnt', l));
  if (op.startsWith('AllTrue')) return b.b2bv(b.and(...lanes(side, x, lane).map((l) => b.truthy(l))));
  if (op.startsWith('Bitmask')) return b.zext(join(side, lanes(side, x, lane).map((l) => b.extract(l, lane - 1, lane - 1))), 32);
  return opaque(side, op, 'bv128', [x]);
}

const MIN_MAX = /^(Min|Max)(S|U)Vec/;

export function simdBinary(side: OperatorSide, op: string, x: BV, y: BV): BV | undefined {
  if (relaxed(op)) return undefined;
  const b = side.build;
  switch (op) {
    case 'AndVec128': return b.bits('and', x, y);
    case 'OrVec128': return b.bits('or', x, y);
    case 'XorVec128': return b.bits('xor', x, y);
    case 'AndNotVec128': return b.bits('and', x, flipped(side, y));
    default: break;
  }
  const shape = shapeOf(op);
  if (!shape) return undefined;
  if (shape.float) return opaque(side, op, 'bv128', [x, y]);
  const { lane } = shape;
  const [left, right] = [lanes(side, x, lane), lanes(side, y, lane)];
  const pairs = (f: (l: BV, r: BV) => BV) => join(side, left.map((l, i) => f(l, right[i]!)));
  // The lane operator's scalar name: `AddVecI32x4` → `Add`, `LtSVecI8x16` → `LtS`.
  const base = op.slice(0, op.indexOf('Vec'));
  if (base === 'Add' || base === 'Sub' || base === 'Mul') return pairs((l, r) => intBinary(side, base, l, r)!);
  const tests = left.map((l, i) => comparison(b, base, l, right[i]!));
  if (tests.every((t) => t !== undefined)) return join(side, tests.map((t) => laneMask(side, t!, lane)));
  const minMax = MIN_MAX.exec(op);
  if (minMax) {
    const less = (l: BV, r: BV) => (minMax[2] === 'S' ? b.slt(l, r) : b.ult(l, r));
    return pairs((l, r) => (minMax[1] === 'Min' ? b.ite(less(r, l), r, l) : b.ite(less(l, r), r, l)));
  }
  return opaque(side, op, 'bv128', [x, y]);
}

/** The SIMD kinds with immediates or three operands (IrSimd), operands already evaluated in order. */
export function simdOperation(side: OperatorSide, node: IrSimd, operands: BV[]): BV | undefined {
  const { op, immediates } = node;
  if (relaxed(op)) return undefined;
  const b = side.build;
  const [x, y, z] = operands as [BV, BV, BV];
  if (op === 'Shuffle') {
    const bytes = [...lanes(side, x, 8), ...lanes(side, y, 8)];
    return join(side, immediates.map((i) => bytes[i]!));
  }
  if (op === 'BitselectVec128') return b.bits('or', b.bits('and', x, z), b.bits('and', y, flipped(side, z)));
  const shape = shapeOf(op);
  if (!shape) return undefined;
  const { lane } = shape;
  const index = immediates[0]!;
  const extract = /^ExtractLane(S|U)?Vec/.exec(op);
  if (extract) {
    const l = lanes(side, x, lane)[index]!;
    if (lane >= 32) return l;
    return extract[1] === 'S' ? b.sext(l, 32) : b.zext(l, 32);
  }
  if (op.startsWith('ReplaceLane')) return replaceLane(side, x, lane, index, asLane(side, y, lane));
  const shift = /^(Shl|ShrS|ShrU)Vec/.exec(op);
  if (shift) {
    // The count is taken modulo the lane width (the graph's shifts do that), from the i32 operand.
    const count = lane < 32 ? b.extract(y, lane - 1, 0) : lane > 32 ? b.zext(y, lane) : y;
    return join(side, lanes(side, x, lane).map((l) => intBinary(side, shift[1]!, l, count)!));
  }
  return undefined;
}

function replaceLane(side: OperatorSide, v: BV, width: number, index: number, value: BV): BV {
  const parts = lanes(side, v, width);
  parts[index] = value;
  return join(side, parts);
}

/**
 * A SIMD memory access (IrSimdMemory), through the memory's own loads and stores (bounds checks and all):
 * `ptr` and `vec` are evaluated before the access, as wasm does. Returns what a load gives (nothing for a
 * store), or undefined for an operator this does not know.
 */
export function simdMemory(side: MemorySide & OperatorSide, memory: MemoryModel, node: IrSimdMemory, ptr: BV, vec: BV | undefined): { value?: BV } | undefined {
  const offset = BigInt(node.offset);
  const lane = /^(Load|Store)(8|16|32|64)LaneVec128$/.exec(node.op);
  if (lane) {
    const width = Number(lane[2]);
    if (lane[1] === 'Store') {
      memory.store(side, ptr, offset, width / 8, lanes(side, vec!, width)[node.lane]!);
      return {};
    }
    return { value: replaceLane(side, vec!, width, node.lane, memory.load(side, ptr, offset, width / 8, false, width)) };
  }
  const splatting = /^Load(8|16|32|64)SplatVec128$/.exec(node.op);
  if (splatting) {
    const width = Number(splatting[1]);
    return { value: splat(side, memory.load(side, ptr, offset, width / 8, false, width)) };
  }
  const extend = /^Load(8|16|32)x(8|4|2)(S|U)Vec128$/.exec(node.op);
  if (extend) {
    const width = Number(extend[1]);
    return { value: widened(side, lanes(side, memory.load(side, ptr, offset, 8, false, 64), width), extend[3] === 'S') };
  }
  const zero = /^Load(32|64)ZeroVec128$/.exec(node.op);
  if (zero) return { value: memory.load(side, ptr, offset, Number(zero[1]) / 8, false, 128) };
  return undefined;
}
