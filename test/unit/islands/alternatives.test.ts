import { describe, expect, it } from 'vitest';
import { alternativeSteps } from '../../../src/islands/alternatives.js';
import { DEFAULT_PIPELINE } from '../../../src/islands/catalogue.js';
import { ALTERNATIVES } from '../../../src/islands/presets.js';

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
});
