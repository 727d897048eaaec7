import { describe, expect, it } from 'vitest';
import { longStrictRunNotice } from '../../../src/engine/engine.js';

describe('the notice before a long strict run', () => {
  it('is given for a strict run without a time budget on an input of 256 KiB or more, and names what bounds it', () => {
    const notice = longStrictRunNotice({ verify: 'strict', timeBudgetMs: undefined }, 1_057_070);
    expect(notice).toMatch(/module of 1032 KiB that takes minutes/);
    expect(notice).toMatch(/--time-budget MS, timeBudgetMs/);
  });

  it.each([
    ['a smaller input', { verify: 'strict', timeBudgetMs: undefined }, 256 * 1024 - 1],
    ['a time budget', { verify: 'strict', timeBudgetMs: 120_000 }, 1_057_070],
    ['report mode', { verify: 'report', timeBudgetMs: undefined }, 1_057_070],
    ['verification off', { verify: 'off', timeBudgetMs: undefined }, 1_057_070],
  ] as const)('is not given with %s', (_, settings, size) => {
    expect(longStrictRunNotice(settings, size)).toBeUndefined();
  });
});
