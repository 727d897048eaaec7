import { describe, expect, it } from 'vitest';
import { binaryen } from '../../../src/wasm/binaryen.js';
import { extractModule, forEachNode, type IrNode } from '../../../src/wasm/ir.js';

/**
 * SIMD in the IR: binaryen numbers each expression kind's operators from 0, so a name read from the wrong
 * kind's table would make the checker see another operator. Every SIMD kind here is read back by its name.
 */
function nodesOf(body: string): IrNode[] {
  const module = binaryen.parseText(`(module (memory 1) (func $f (param i32 i32) (local v128) ${body}))`);
  try {
    module.setFeatures(binaryen.Features.All);
    const fn = extractModule(binaryen, module).functions.find((f) => f.name === 'f')!;
    const nodes: IrNode[] = [];
    forEachNode(fn.body, (node) => nodes.push(node));
    return nodes;
  } finally {
    module.dispose();
  }
}

const describeNode = (n: IrNode): string => {
  switch (n.kind) {
    case 'simd': return `simd ${n.op} [${n.immediates.join(' ')}] ${n.operands.length}`;
    case 'simd.memory': return `simd.memory ${n.op} offset=${n.offset} lane=${n.lane} ${n.vec ? 'vec' : '-'}`;
    case 'unary': case 'binary': return `${n.kind} ${n.op}`;
    case 'load': case 'store': return `${n.kind} ${n.bytes} ${n.type}`;
    case 'const': return `const ${n.type} ${n.value}`;
    default: return n.kind;
  }
};
const read = (body: string) => nodesOf(body).map(describeNode).filter((d) => /^(simd|unary|binary|load|store|const v128)/.test(d));

describe('SIMD in the IR', () => {
  it('reads a v128 constant as its 128 bits, lane 0 lowest', () => {
    expect(read('(local.set 2 (v128.const i32x4 1 2 3 0xffffffff))')).toEqual([`const v128 ${(0xffffffffn << 96n) | (3n << 64n) | (2n << 32n) | 1n}`]);
  });

  it('names unary and binary vector operators, which share numbers with scalar ones', () => {
    expect(read('(local.set 2 (i32x4.add (i32x4.splat (local.get 0)) (v128.not (local.get 2))))')).toEqual([
      'binary AddVecI32x4', 'unary SplatVecI32x4', 'unary NotVec128',
    ]);
    expect(read('(drop (i32.add (i8x16.all_true (local.get 2)) (i32.clz (local.get 0))))')).toEqual([
      'binary AddInt32', 'unary AllTrueVecI8x16', 'unary ClzInt32',
    ]);
  });

  it('reads the SIMD kinds with their immediates', () => {
    expect(read(`
      (drop (i16x8.extract_lane_s 3 (local.get 2)))
      (local.set 2 (i64x2.replace_lane 1 (local.get 2) (i64.const 7)))
      (local.set 2 (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 (local.get 2) (local.get 2)))
      (local.set 2 (v128.bitselect (local.get 2) (local.get 2) (local.get 2)))
      (local.set 2 (i32x4.shr_u (local.get 2) (local.get 1)))`)).toEqual([
      'simd ExtractLaneSVecI16x8 [3] 1',
      'simd ReplaceLaneVecI64x2 [1] 2',
      'simd Shuffle [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31] 2',
      'simd BitselectVec128 [] 3',
      'simd ShrUVecI32x4 [] 2',
    ]);
  });

  it('reads SIMD memory accesses: plain ones as loads and stores, the rest with offset and lane', () => {
    expect(read(`
      (local.set 2 (v128.load offset=4 (local.get 0)))
      (v128.store (local.get 0) (local.get 2))
      (local.set 2 (v128.load8_splat offset=3 (local.get 0)))
      (local.set 2 (v128.load32_zero (local.get 0)))
      (local.set 2 (v128.load16_lane offset=2 5 (local.get 0) (local.get 2)))
      (v128.store64_lane offset=8 1 (local.get 0) (local.get 2))`)).toEqual([
      'load 16 v128',
      'store 16 none',
      'simd.memory Load8SplatVec128 offset=3 lane=0 -',
      'simd.memory Load32ZeroVec128 offset=0 lane=0 -',
      'simd.memory Load16LaneVec128 offset=2 lane=5 vec',
      'simd.memory Store64LaneVec128 offset=8 lane=1 vec',
    ]);
  });
});
