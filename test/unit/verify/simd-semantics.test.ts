import { describe, expect, it } from 'vitest';
import { Builder } from '../../../src/verify/graph/build.js';
import { constValue, type BV } from '../../../src/verify/graph/terms.js';
import { simdBinary, simdOperation, simdUnary } from '../../../src/verify/encode/simd.js';
import type { OperatorSide } from '../../../src/verify/encode/int.js';
import type { IrSimd } from '../../../src/wasm/ir.js';
import { binaryen } from '../../../src/wasm/binaryen.js';
import { Prng } from '../../../src/util/prng.js';

/**
 * The exact SIMD operators of encode/simd.ts against V8: each case runs in a real wasm function on vectors
 * A and B and scalar S read from memory, and the same operator is built from constants in the value graph,
 * which folds it to a constant; the two must agree bit for bit on every input (edge lanes included). A lane
 * order, a sign extension or a shift count taken wrong shows here, not as a wrong proof.
 */
type Encode = (side: OperatorSide, a: BV, b: BV, s32: BV, s64: BV) => BV | undefined;
interface Case { wat: string; result: 'v128' | 'i32' | 'i64'; encode: Encode }

const simd = (op: string, immediates: number[], operands: (a: BV, b: BV, s32: BV, s64: BV) => BV[]): Encode =>
  (side, a, b, s32, s64) => simdOperation(side, { kind: 'simd', type: 'v128', op, immediates, operands: [] } as IrSimd, operands(a, b, s32, s64));

const CASES: Record<string, Case> = {
  'v128.not': { wat: '(v128.not A)', result: 'v128', encode: (s, a) => simdUnary(s, 'NotVec128', a) },
  'v128.andnot': { wat: '(v128.andnot A B)', result: 'v128', encode: (s, a, b) => simdBinary(s, 'AndNotVec128', a, b) },
  'v128.any_true': { wat: '(v128.any_true A)', result: 'i32', encode: (s, a) => simdUnary(s, 'AnyTrueVec128', a) },
  'v128.bitselect': { wat: '(v128.bitselect A B (v128.xor A B))', result: 'v128', encode: (s, a, b) => simdOperation(s, { kind: 'simd', type: 'v128', op: 'BitselectVec128', immediates: [], operands: [] }, [a, b, s.build.bits('xor', a, b)]) },
  'i8x16.splat': { wat: '(i8x16.splat S)', result: 'v128', encode: (s, _a, _b, s32) => simdUnary(s, 'SplatVecI8x16', s32) },
  'i64x2.splat': { wat: '(i64x2.splat S64)', result: 'v128', encode: (s, _a, _b, _s, s64) => simdUnary(s, 'SplatVecI64x2', s64) },
  'i8x16.add': { wat: '(i8x16.add A B)', result: 'v128', encode: (s, a, b) => simdBinary(s, 'AddVecI8x16', a, b) },
  'i16x8.sub': { wat: '(i16x8.sub A B)', result: 'v128', encode: (s, a, b) => simdBinary(s, 'SubVecI16x8', a, b) },
  'i32x4.mul': { wat: '(i32x4.mul A B)', result: 'v128', encode: (s, a, b) => simdBinary(s, 'MulVecI32x4', a, b) },
  'i64x2.add': { wat: '(i64x2.add A B)', result: 'v128', encode: (s, a, b) => simdBinary(s, 'AddVecI64x2', a, b) },
  'i8x16.neg': { wat: '(i8x16.neg A)', result: 'v128', encode: (s, a) => simdUnary(s, 'NegVecI8x16', a) },
  'i16x8.abs': { wat: '(i16x8.abs A)', result: 'v128', encode: (s, a) => simdUnary(s, 'AbsVecI16x8', a) },
  'i8x16.popcnt': { wat: '(i8x16.popcnt A)', result: 'v128', encode: (s, a) => simdUnary(s, 'PopcntVecI8x16', a) },
  'i32x4.all_true': { wat: '(i32x4.all_true (v128.and A B))', result: 'i32', encode: (s, a, b) => simdUnary(s, 'AllTrueVecI32x4', s.build.bits('and', a, b)) },
  'i16x8.bitmask': { wat: '(i16x8.bitmask A)', result: 'i32', encode: (s, a) => simdUnary(s, 'BitmaskVecI16x8', a) },
  'i8x16.lt_s': { wat: '(i8x16.lt_s A B)', result: 'v128', encode: (s, a, b) => simdBinary(s, 'LtSVecI8x16', a, b) },
  'i16x8.ge_u': { wat: '(i16x8.ge_u A B)', result: 'v128', encode: (s, a, b) => simdBinary(s, 'GeUVecI16x8', a, b) },
  'i32x4.eq': { wat: '(i32x4.eq A (v128.and A B))', result: 'v128', encode: (s, a, b) => simdBinary(s, 'EqVecI32x4', a, s.build.bits('and', a, b)) },
  'i64x2.gt_s': { wat: '(i64x2.gt_s A B)', result: 'v128', encode: (s, a, b) => simdBinary(s, 'GtSVecI64x2', a, b) },
  'i8x16.min_u': { wat: '(i8x16.min_u A B)', result: 'v128', encode: (s, a, b) => simdBinary(s, 'MinUVecI8x16', a, b) },
  'i32x4.max_s': { wat: '(i32x4.max_s A B)', result: 'v128', encode: (s, a, b) => simdBinary(s, 'MaxSVecI32x4', a, b) },
  'i16x8.extend_high_i8x16_s': { wat: '(i16x8.extend_high_i8x16_s A)', result: 'v128', encode: (s, a) => simdUnary(s, 'ExtendHighSVecI8x16ToVecI16x8', a) },
  'i64x2.extend_low_i32x4_u': { wat: '(i64x2.extend_low_i32x4_u A)', result: 'v128', encode: (s, a) => simdUnary(s, 'ExtendLowUVecI32x4ToVecI64x2', a) },
  'f32x4.neg': { wat: '(f32x4.neg A)', result: 'v128', encode: (s, a) => simdUnary(s, 'NegVecF32x4', a) },
  'f64x2.abs': { wat: '(f64x2.abs A)', result: 'v128', encode: (s, a) => simdUnary(s, 'AbsVecF64x2', a) },
  'i8x16.extract_lane_s 13': { wat: '(i8x16.extract_lane_s 13 A)', result: 'i32', encode: simd('ExtractLaneSVecI8x16', [13], (a) => [a]) },
  'i16x8.extract_lane_u 6': { wat: '(i16x8.extract_lane_u 6 A)', result: 'i32', encode: simd('ExtractLaneUVecI16x8', [6], (a) => [a]) },
  'i64x2.extract_lane 1': { wat: '(i64x2.extract_lane 1 A)', result: 'i64', encode: simd('ExtractLaneVecI64x2', [1], (a) => [a]) },
  'i8x16.replace_lane 9': { wat: '(i8x16.replace_lane 9 A S)', result: 'v128', encode: simd('ReplaceLaneVecI8x16', [9], (a, _b, s32) => [a, s32]) },
  'f32x4.replace_lane 2': { wat: '(f32x4.replace_lane 2 A (f32.reinterpret_i32 S))', result: 'v128', encode: simd('ReplaceLaneVecF32x4', [2], (a, _b, s32) => [a, s32]) },
  'i8x16.shuffle': { wat: '(i8x16.shuffle 31 0 17 2 3 30 4 5 16 16 7 8 9 10 11 1 A B)', result: 'v128', encode: simd('Shuffle', [31, 0, 17, 2, 3, 30, 4, 5, 16, 16, 7, 8, 9, 10, 11, 1], (a, b) => [a, b]) },
  'i8x16.shl': { wat: '(i8x16.shl A S)', result: 'v128', encode: simd('ShlVecI8x16', [], (a, _b, s32) => [a, s32]) },
  'i16x8.shr_s': { wat: '(i16x8.shr_s A S)', result: 'v128', encode: simd('ShrSVecI16x8', [], (a, _b, s32) => [a, s32]) },
  'i64x2.shr_u': { wat: '(i64x2.shr_u A S)', result: 'v128', encode: simd('ShrUVecI64x2', [], (a, _b, s32) => [a, s32]) },
};

/** One wasm function per case: A at 0, B at 16, S (i32) at 32, S64 (i64) at 40; the result stored at 64. */
function instantiate(): Record<string, () => void> & { memory: WebAssembly.Memory } {
  const funcs = Object.entries(CASES).map(([name, c], i) => {
    const body = c.wat.replace(/\bA\b/g, '(v128.load (i32.const 0))').replace(/\bB\b/g, '(v128.load (i32.const 16))')
      .replace(/\bS64\b/g, '(i64.load (i32.const 40))').replace(/\bS\b/g, '(i32.load (i32.const 32))');
    return `(func (export "c${i}") (${c.result}.store (i32.const 64) ${body})) ;; ${name}`;
  });
  const module = binaryen.parseText(`(module (memory (export "memory") 1)\n${funcs.join('\n')}\n)`);
  try {
    module.setFeatures(binaryen.Features.All);
    if (!module.validate()) throw new Error('the SIMD cases do not validate');
    return new WebAssembly.Instance(new WebAssembly.Module(module.emitBinary())).exports as never;
  } finally {
    module.dispose();
  }
}

const side: OperatorSide = {
  build: new Builder(),
  trap: () => undefined,
  approximate: (what) => { throw new Error(`${what} is uninterpreted: not an exact operator`); },
};

/** Random lanes, half of the bytes from edge values (0, 1, 0x7f, 0x80, 0xff). */
function bytes(prng: Prng, n: number): number[] {
  const edges = [0, 1, 0x7f, 0x80, 0xff];
  return Array.from({ length: n }, () => (prng.chance(0.5) ? prng.pick(edges) : prng.int(0, 255)));
}

const little = (data: readonly number[]) => data.reduceRight((v, byte) => (v << 8n) | BigInt(byte), 0n);

describe('SIMD operators, exact lane by lane', () => {
  const exports = instantiate();
  const prng = new Prng(20261201);
  Object.entries(CASES).forEach(([name, c], i) => {
    it(`${name} agrees with V8`, () => {
      for (let run = 0; run < 64; run++) {
        const input = bytes(prng, 48);
        const memory = new Uint8Array(exports.memory.buffer);
        memory.set(input, 0);
        exports[`c${i}`]!();
        const width = c.result === 'v128' ? 128 : c.result === 'i64' ? 64 : 32;
        const expected = little([...memory.slice(64, 64 + width / 8)]);
        const b = side.build;
        const a = b.constant(little(input.slice(0, 16)), 128);
        const v = b.constant(little(input.slice(16, 32)), 128);
        const s32 = b.constant(little(input.slice(32, 36)), 32);
        const s64 = b.constant(little(input.slice(40, 48)), 64);
        const got = c.encode(side, a, v, s32, s64);
        expect(got, name).toBeDefined();
        expect(constValue(got!), `${name} on ${Buffer.from(input).toString('hex')}`).toBe(expected);
      }
    });
  });
});
