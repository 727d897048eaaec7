import { describe, expect, it } from 'vitest';
import { passInfo, searchablePasses } from '../../../src/islands/catalogue.js';
import { checkGenome, describeGenome, KNOB_LIMITS, MAX_NO_INLINE } from '../../../src/islands/genome.js';
import { crossover, MAX_PASSES, mutate } from '../../../src/islands/mutation.js';
import { explicitPreset, REFINEMENT_SEEDS } from '../../../src/islands/presets.js';
import { Prng } from '../../../src/util/prng.js';

describe('genome mutation', () => {
  const pool = searchablePasses(['sign-ext', 'mutable-globals']);

  it('never introduces an unknown or excluded pass and keeps knobs in range, over 1500 mutations of each kind', () => {
    const rng = new Prng(7);
    let genome = explicitPreset('Oz');
    let refine = { kind: 'refine' as const, passes: [...REFINEMENT_SEEDS.find((seed) => seed.passes.join() === 'reorder-functions')!.passes], knobs: { ...genome.knobs } };
    const operators = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const a = mutate(genome, pool, rng);
      const b = mutate(refine, pool, rng);
      operators.add(a.operator).add(b.operator);
      for (const g of [a.genome, b.genome]) {
        expect(() => checkGenome(g)).not.toThrow();
        for (const pass of g.passes) expect(passInfo(pass)?.kind ?? 'default', pass).not.toBe('excluded');
      }
      expect(a.genome.passes.length).toBeLessThanOrEqual(MAX_PASSES.pipeline);
      expect(b.genome.passes.length).toBeLessThanOrEqual(MAX_PASSES.refine);
      genome = a.genome;
      refine = { ...b.genome, kind: 'refine' };
    }
    expect([...operators].sort()).toEqual(['delete', 'duplicate', 'insert', 'knob', 'move', 'swap']);
    for (const [knob, [min, max]] of Object.entries(KNOB_LIMITS)) {
      const value = genome.knobs[knob as keyof typeof KNOB_LIMITS];
      expect(value).toBeGreaterThanOrEqual(min);
      expect(value).toBeLessThanOrEqual(max);
    }
  });

  it('does not modify the parent', () => {
    const parent = explicitPreset('Os');
    const before = JSON.stringify(parent);
    const rng = new Prng(3);
    for (let i = 0; i < 100; i++) mutate(parent, pool, rng);
    expect(JSON.stringify(parent)).toBe(before);
  });

  it('is a function of the seed', () => {
    const run = (seed: number) => {
      const rng = new Prng(seed);
      let g = explicitPreset('Os');
      for (let i = 0; i < 50; i++) g = mutate(g, pool, rng).genome;
      return JSON.stringify(g);
    };
    expect(run(11)).toBe(run(11));
    expect(run(11)).not.toBe(run(12));
  });

  it('crossover joins a prefix of one parent and a suffix of the other', () => {
    const a = explicitPreset('O1');
    const b = explicitPreset('Oz');
    const child = crossover(a, b, new Prng(5));
    expect(() => checkGenome(child)).not.toThrow();
    expect(child.knobs).toEqual(a.knobs);
  });

  it('keeps from inlining only functions some pipeline inlined, never more than the limit', () => {
    const inlined = Array.from({ length: 40 }, (_, i) => `fn${i}`);
    const rng = new Prng(21);
    let genome = explicitPreset('Oz');
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      genome = mutate(genome, pool, rng, inlined).genome;
      expect(() => checkGenome(genome)).not.toThrow();
      expect(genome.knobs.noInline.length).toBeLessThanOrEqual(MAX_NO_INLINE);
      for (const name of genome.knobs.noInline) seen.add(name);
    }
    expect([...seen].every((name) => inlined.includes(name))).toBe(true);
    expect(seen.size).toBeGreaterThan(MAX_NO_INLINE);
    // Without inlined functions, the knob is left alone.
    let plain = explicitPreset('Oz');
    for (let i = 0; i < 500; i++) plain = mutate(plain, pool, rng).genome;
    expect(plain.knobs.noInline).toEqual([]);
  });

  it('names the functions kept from inlining, and those inlined one at a time, in the genome text', () => {
    const g = explicitPreset('Oz');
    expect(describeGenome({ ...g, passes: ['vacuum'], knobs: { ...g.knobs, noInline: ['add', 'mul'] } })).toBe(
      'O2 s2 ai2 fi20 oc-1 loops:n x1 no-inline:add,mul | vacuum',
    );
    expect(describeGenome({ kind: 'refine', passes: ['inlining-optimizing'], knobs: { ...g.knobs, inline: ['scale'] } })).toBe(
      '[refine] O2 s2 ai2 fi20 oc-1 loops:n x1 inline:scale | inlining-optimizing',
    );
  });

  it('rejects genomes with knobs out of range', () => {
    const g = explicitPreset('Oz');
    expect(() => checkGenome({ ...g, knobs: { ...g.knobs, shrinkLevel: 3 } })).toThrow(/shrinkLevel/);
    expect(() => checkGenome({ ...g, passes: ['print'] })).toThrow(/excluded/);
    expect(() => checkGenome({ ...g, knobs: { ...g.knobs, noInline: [''] } })).toThrow(/noInline/);
    expect(() => checkGenome({ ...g, knobs: { ...g.knobs, inline: [''] } })).toThrow(/knob inline/);
  });
});
