import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../../src/engine/options.js';
import { OptionDefaults, UNVERIFIED_GENERATIONS } from '../../../src/protocol/options.js';

describe('the default generations', () => {
  it('is one with verify off (the search alone) and OptionDefaults.generations with checks', () => {
    expect(UNVERIFIED_GENERATIONS).toBe(1);
    expect(OptionDefaults.generations).toBe(2);
    expect(resolveOptions({ verify: 'off' }, 'strict').generations).toBe(UNVERIFIED_GENERATIONS);
    expect(resolveOptions({}, 'off').generations).toBe(UNVERIFIED_GENERATIONS);
    expect(resolveOptions({}, 'strict').generations).toBe(OptionDefaults.generations);
    expect(resolveOptions({ verify: 'report' }, 'strict').generations).toBe(OptionDefaults.generations);
  });

  it('gives way to the generations asked for, in every mode', () => {
    expect(resolveOptions({ verify: 'off', generations: 5 }, 'strict').generations).toBe(5);
    expect(resolveOptions({ generations: 0 }, 'strict').generations).toBe(0);
  });
});
