import { describe, expect, it } from 'vitest';
import { Prng } from '../../../src/util/prng.js';

describe('Prng', () => {
  it('gives the same sequence for the same seed and stream', () => {
    const a = new Prng(42, 3);
    const b = new Prng(42, 3);
    const xs = Array.from({ length: 100 }, () => a.nextUint32());
    const ys = Array.from({ length: 100 }, () => b.nextUint32());
    expect(xs).toEqual(ys);
  });
  it('gives different sequences for different seeds or streams', () => {
    const first = (seed: number, stream: number) => new Prng(seed, stream).nextUint32();
    expect(first(1, 0)).not.toBe(first(2, 0));
    expect(first(1, 0)).not.toBe(first(1, 1));
  });
  it('keeps int() within bounds and reaches both ends', () => {
    const rng = new Prng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.int(-2, 2);
      expect(v).toBeGreaterThanOrEqual(-2);
      expect(v).toBeLessThanOrEqual(2);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2]);
  });
});
