import { describe, expect, it } from 'vitest';
import { sweepSeed } from '../../../src/islands/archipelago.js';
import { DEFAULT_KNOBS } from '../../../src/islands/genome.js';
import { INLINING_TRIALS, PIPELINE_PREFIXES, REFINEMENT_SEEDS, seedGenome } from '../../../src/islands/presets.js';
import { DEFAULT_PIPELINE } from '../../../src/islands/catalogue.js';

const refine = { strategy: 'refine' as const };
const pipeline = { strategy: 'pipeline' as const };

describe('the seed sweep of refine islands', () => {
  it('gives each refine island one seed per generation, in order, then the inlining trials, until all were tried', () => {
    const islands = [{ ...refine }, { ...refine }];
    const seen: number[] = [];
    const sweep = REFINEMENT_SEEDS.length + INLINING_TRIALS;
    for (let generation = 1; generation <= sweep; generation++) {
      for (const island of islands) {
        const seed = sweepSeed(islands, island, generation);
        if (seed !== undefined) seen.push(seed);
      }
    }
    // Indices past the seeds are inlining trials (the archipelago's chooseInlining names the function).
    expect(seen).toEqual(Array.from({ length: sweep }, (_, i) => i));
    expect(sweepSeed(islands, islands[0]!, 0)).toBeUndefined();
    expect(sweepSeed(islands, islands[1]!, Math.ceil(sweep / 2) + 1)).toBeUndefined();
  });

  it('counts refine and pipeline islands apart (mixed strategy): pipeline islands go through the prefixes', () => {
    const islands = [{ ...pipeline }, { ...refine }, { ...pipeline }, { ...refine }];
    expect([1, 2].map((g) => [sweepSeed(islands, islands[1]!, g), sweepSeed(islands, islands[3]!, g)])).toEqual([[0, 1], [2, 3]]);
    const prefixes: number[] = [];
    for (let generation = 1; generation <= PIPELINE_PREFIXES.length; generation++) {
      for (const island of [islands[0]!, islands[2]!]) {
        const prefix = sweepSeed(islands, island, generation);
        if (prefix !== undefined) prefixes.push(prefix);
      }
    }
    expect(prefixes).toEqual(PIPELINE_PREFIXES.map((_, i) => i));
  });

  it('starts with const-hoisting, and sets a higher always-inline limit for one -Oz over the knobs of the module it refines', () => {
    expect(REFINEMENT_SEEDS[0]!.passes).toContain('const-hoisting');
    const base = { ...DEFAULT_KNOBS, optimizeLevel: 3, converge: 3, noInline: ['f'] };
    const genome = seedGenome(REFINEMENT_SEEDS.find((seed) => seed.knobs?.alwaysInlineMaxSize === 4)!, base);
    expect(genome).toEqual({ kind: 'refine', passes: [DEFAULT_PIPELINE], knobs: { ...base, alwaysInlineMaxSize: 4, converge: 1 } });
    // The knobs are copied: the genome does not share the list it was made from.
    expect(genome.knobs.noInline).not.toBe(base.noInline);
    // A function the refined module's own step inlined is not inlined again by the seed's passes.
    expect(seedGenome(REFINEMENT_SEEDS[0]!, { ...base, inline: ['g'] }).knobs.inline).toEqual([]);
  });
});
