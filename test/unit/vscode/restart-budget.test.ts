import { describe, expect, it } from 'vitest';
import { RestartBudget } from '../../../clients/vscode/src/restart-budget.js';

describe('RestartBudget', () => {
  const policy = { maxRestarts: 4, initialDelayMs: 500, maxDelayMs: 3000, stableAfterMs: 60_000 };

  it('backs off exponentially up to the cap, then gives up', () => {
    const budget = new RestartBudget(policy);
    expect([budget.nextDelay(10), budget.nextDelay(10), budget.nextDelay(10), budget.nextDelay(10), budget.nextDelay(10)]).toEqual([500, 1000, 2000, 3000, undefined]);
  });

  it('starts afresh after a daemon that stayed up, or after reset', () => {
    const budget = new RestartBudget(policy);
    budget.nextDelay(10);
    budget.nextDelay(10);
    expect(budget.nextDelay(60_000)).toBe(500);
    budget.reset();
    expect(budget.attempts).toBe(0);
  });
});
