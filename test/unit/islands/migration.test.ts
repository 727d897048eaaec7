import { describe, expect, it } from 'vitest';
import { best, fairReplace, worst, wouldEnter, type Resident } from '../../../src/islands/population.js';
import { neighbours } from '../../../src/islands/topology.js';

function resident(value: number, island = 0, bytes: number[] = [value & 0xff, value >> 8]): Resident {
  return {
    lineage: [],
    named: new Uint8Array(bytes),
    stripped: new Uint8Array(bytes),
    score: { size: value, value },
    island,
    generation: 0,
  };
}

describe('topology', () => {
  it('ring sends each island to the next, wrapping around', () => {
    expect(neighbours('ring', 0, 4)).toEqual([1]);
    expect(neighbours('ring', 3, 4)).toEqual([0]);
    expect(neighbours('ring', 0, 1)).toEqual([]);
  });
  it('fully connected sends to every other island; unconnected to none', () => {
    expect(neighbours('fully-connected', 1, 4)).toEqual([0, 2, 3]);
    expect(neighbours('unconnected', 1, 4)).toEqual([]);
  });
});

describe('fair-replace', () => {
  it('admits a migrant only when it beats the worst resident, and replaces that one', () => {
    const residents = [resident(100), resident(120)];
    expect(fairReplace(residents, resident(130), 2)).toBe(false);
    expect(residents.map((r) => r.score.value)).toEqual([100, 120]);
    expect(fairReplace(residents, resident(110), 2)).toBe(true);
    expect(residents.map((r) => r.score.value).sort()).toEqual([100, 110]);
  });
  it('does not admit a tie with the worst', () => {
    const residents = [resident(100, 0, [1]), resident(120, 0, [2])];
    expect(fairReplace(residents, resident(120, 1, [3]), 2)).toBe(false);
  });
  it('fills free places and never admits the same module twice', () => {
    const residents: Resident[] = [];
    expect(fairReplace(residents, resident(100), 2)).toBe(true);
    expect(fairReplace(residents, resident(100), 2)).toBe(false);
    expect(residents).toHaveLength(1);
  });
  it('says beforehand what it would do, without changing the residents', () => {
    const residents = [resident(100, 0, [1]), resident(120, 0, [2])];
    // A checked search asks this before proving a child: a module the island holds is not admitted again,
    // even when it is better than the worst (a refinement that changed nothing on the best resident).
    expect(wouldEnter(residents, resident(100, 1, [1]), 3)).toBe(false);
    expect(wouldEnter(residents, resident(130, 0, [3]), 3)).toBe(true);
    expect(wouldEnter(residents, resident(130, 0, [3]), 2)).toBe(false);
    expect(wouldEnter(residents, resident(110, 0, [3]), 2)).toBe(true);
    expect(residents.map((r) => r.score.value)).toEqual([100, 120]);
  });
  it('orders by value, then size, then island', () => {
    const a = { ...resident(100, 1), score: { size: 50, value: 100 } };
    const b = { ...resident(100, 0), score: { size: 60, value: 100 } };
    expect(best([a, b])).toBe(a);
    expect(worst([a, b])).toBe(b);
    expect(best([resident(7, 1, [9]), resident(7, 0, [9])])!.island).toBe(0);
  });
});
