import { describe, expect, it } from 'vitest';
import { BodyPool } from '../../../src/islands/body-pool.js';
import { binaryen, emitModule } from '../../../src/wasm/binaryen.js';

/** A named module whose functions a and b have bodies of roughly the given numbers of constants. */
function module(a: number, b: number): Uint8Array {
  const body = (n: number) => `(drop (i32.const 1))`.repeat(n);
  const parsed = binaryen.parseText(`(module (func $a ${body(a)}) (func $b ${body(b)}))`);
  try {
    return emitModule(parsed, true, false);
  } finally {
    parsed.dispose();
  }
}

describe('body pool', () => {
  it('keeps a module only while it holds one of the two smallest bodies of some function', () => {
    const pool = new BodyPool(module(5, 5));
    // b keeps the input's size throughout: only a's bodies decide.
    const small = module(1, 5);
    pool.offer(small);
    expect(pool.donors()).toEqual([small]);
    const larger = module(6, 5);
    pool.offer(larger);
    expect(pool.donors()).toEqual([small]);
    const second = module(2, 5);
    pool.offer(second);
    expect(pool.donors()).toEqual([small, second]);
    // Smaller for a than both: `second` falls to third place and holds nothing else, so it goes.
    const smallest = module(0, 5);
    pool.offer(smallest);
    expect(pool.donors()).toEqual([small, smallest]);
  });

  it('does not keep a module whose bodies have sizes already seen', () => {
    const pool = new BodyPool(module(3, 3));
    const first = module(1, 3);
    pool.offer(first);
    pool.offer(module(1, 3));
    expect(pool.donors()).toEqual([first]);
  });

  it('says whether an assembly over a base could differ from the last one', () => {
    const pool = new BodyPool(module(3, 3));
    const base = {};
    expect(pool.changedSince(base)).toBe(true);
    expect(pool.changedSince(base)).toBe(false);
    pool.offer(module(1, 3));
    expect(pool.changedSince(base)).toBe(true);
    expect(pool.changedSince({})).toBe(true);
  });
});
