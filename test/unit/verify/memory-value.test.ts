import { describe, expect, it } from 'vitest';
import { MemoryValue } from '../../../src/verify/graph/evaluate.js';
import { Prng } from '../../../src/util/prng.js';

/** The concrete memory the graph interpreter threads through stores (graph/evaluate.ts). */
describe('MemoryValue', () => {
  it('reads the last write of each byte, the base under all writes and zero elsewhere', () => {
    let m = MemoryValue.of(new Map([[0n, 7], [1n, 8]]), 32);
    m = m.write([[1n, 9], [2n, 10]]);
    m = m.write([[2n, 11]]);
    expect([0n, 1n, 2n, 3n].map((a) => m.read(a))).toEqual([7, 9, 11, 0]);
  });

  it('wraps addresses to its width', () => {
    const m = MemoryValue.of(new Map(), 32).write([[(1n << 32n) + 5n, 1]]);
    expect(m.read(5n)).toBe(1);
    expect(m.read((1n << 33n) + 5n)).toBe(1);
  });

  it('agrees with a plain array over many writes, and never changes a memory once made', () => {
    const prng = new Prng(3);
    const size = 64;
    let m = MemoryValue.of(new Map([[3n, 200]]), 32);
    const plain = new Array<number>(size).fill(0);
    plain[3] = 200;
    const snapshots: Array<[MemoryValue, number[]]> = [];
    for (let i = 0; i < 3000; i++) {
      const writes: Array<[bigint, number]> = Array.from({ length: 1 + Math.floor(prng.next() * 4) }, () => [BigInt(Math.floor(prng.next() * size)), Math.floor(prng.next() * 256)]);
      m = m.write(writes);
      for (const [a, b] of writes) plain[Number(a)] = b;
      if (i % 500 === 0) snapshots.push([m, [...plain]]);
    }
    expect(Array.from({ length: size }, (_, a) => m.read(BigInt(a)))).toEqual(plain);
    for (const [snapshot, expected] of snapshots) expect(Array.from({ length: size }, (_, a) => snapshot.read(BigInt(a)))).toEqual(expected);
  });
});
