import { describe, expect, it } from 'vitest';
import { alternativeSteps } from '../../../src/islands/alternatives.js';
import { worthProving } from '../../../src/islands/archipelago.js';
import { DEFAULT_PIPELINE } from '../../../src/islands/catalogue.js';
import { ALTERNATIVES, SHORT_RUN_GENERATIONS, startingAlternatives } from '../../../src/islands/presets.js';

describe('the alternatives as steps of generation 0', () => {
  const steps = alternativeSteps(2);
  const byKey = new Map(steps.map((step) => [step.key, step]));

  it('runs every prefix of every alternative once: -Oz ×2 goes on from -Oz', () => {
    expect(steps.map((s) => s.key)).toEqual(['Oz', 'Oz Oz', 'O3', 'O3 Oz', 'O4', 'O4 Oz', 'O4 Oz Oz', 'Os']);
    expect(byKey.get('Oz Oz')!.parent).toBe(byKey.get('Oz'));
    expect(byKey.get('O4 Oz Oz')!.parent).toBe(byKey.get('O4 Oz'));
    for (const alternative of ALTERNATIVES) expect(byKey.has(alternative.presets.join(' ')), alternative.name).toBe(true);
  });

  it('applies the first preset to the input as a pipeline and each later one on top as a refinement', () => {
    for (const step of steps) {
      expect(step.genome.kind).toBe(step.parent ? 'refine' : 'pipeline');
      expect(step.genome.passes).toEqual([DEFAULT_PIPELINE]);
    }
    expect(byKey.get('O4 Oz')!.genome.knobs).toMatchObject({ optimizeLevel: 2, shrinkLevel: 2 });
    expect(byKey.get('O4')!.genome.knobs).toMatchObject({ optimizeLevel: 4, shrinkLevel: 0 });
  });

  it('gives alternative i to island i mod islands (a shared step to the first alternative through it)', () => {
    expect(steps.map((s) => s.island)).toEqual([0, 1, 0, 0, 1, 1, 1, 0]);
    expect(alternativeSteps(1).every((s) => s.island === 0)).toBe(true);
    expect(alternativeSteps(8).find((s) => s.key === 'Os')!.island).toBe(4);
  });

  it('starts counting islands where it is told: a second proved alternative goes to the next island', () => {
    const [second] = ALTERNATIVES.filter((a) => a.name === '-Oz ×2');
    expect(alternativeSteps(2, [second!], 1).map((s) => s.island)).toEqual([1, 1]);
    expect(alternativeSteps(2, [second!], 2).map((s) => s.island)).toEqual([0, 0]);
  });
});

describe('which alternatives generation 0 starts from', () => {
  it('a short search starts from -Oz, -Oz ×2 and -O3 -Oz: two chains of two presets', () => {
    for (const generations of [0, SHORT_RUN_GENERATIONS]) {
      expect(startingAlternatives(generations).map((a) => a.name), `${generations} generations`).toEqual(['-Oz', '-Oz ×2', '-O3 -Oz']);
    }
    const steps = alternativeSteps(2, startingAlternatives(SHORT_RUN_GENERATIONS));
    expect(steps.map((s) => s.key)).toEqual(['Oz', 'Oz Oz', 'O3', 'O3 Oz']);
    expect(steps.filter((s) => !s.parent).map((s) => s.key)).toEqual(['Oz', 'O3']);
  });

  it('a longer search starts from every alternative, as before the short list', () => {
    expect(startingAlternatives(SHORT_RUN_GENERATIONS + 1)).toEqual(ALTERNATIVES);
    expect(startingAlternatives(20)).toEqual(ALTERNATIVES);
  });
});

describe('which alternatives a checked search proves', () => {
  const scored = (size: number) => ({ score: { size, value: size } });

  it('proves the next one only when every one proved so far came out behind it', () => {
    // The best unchecked was 100 B; proved it is 104 B (reverted steps): the next, 102 B unchecked, may win.
    expect(worthProving(scored(102), [scored(104)])).toBe(true);
    // Proved at 101 B it is ahead of anything the next could become.
    expect(worthProving(scored(102), [scored(101)])).toBe(false);
    // A tie is not worth a proof.
    expect(worthProving(scored(102), [scored(102)])).toBe(false);
    // A proof that failed leaves nothing to compare: the next is proved.
    expect(worthProving(scored(102), [undefined])).toBe(true);
    expect(worthProving(scored(102), [undefined, scored(101)])).toBe(false);
  });
});
