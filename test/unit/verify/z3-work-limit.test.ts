import { describe, expect, it } from 'vitest';
import { Z3_WORK_PER_MS } from '../../../src/verify/solver-task.js';
import { z3SessionForFile } from './z3-session.js';

/**
 * A query's budget is z3's own work count (rlimit), not a clock (z3-session.ts): whether a query is answered
 * within it must not depend on the machine's load or on what the same z3 ran before.
 */
const session = z3SessionForFile();

// Factoring 1000003 × 1040021 (two primes below 2²⁰) in 40 bits: sat after some thousands of z3's work units.
const FACTORING = '(declare-const x (_ BitVec 40))(declare-const y (_ BitVec 40))' +
  '(assert (bvult x #x0000100000))(assert (bvult y #x0000100000))(assert (bvugt x #x0000000001))(assert (bvugt y #x0000000001))' +
  '(assert (= (bvmul x y) #xf22644aaff))(check-sat)';
const HARD = '(declare-const x (_ BitVec 64))(declare-const y (_ BitVec 64))(assert (bvult x #x0000000100000000))' +
  '(assert (bvult y #x0000000100000000))(assert (bvugt x #x0000000000000001))(assert (bvugt y #x0000000000000001))' +
  '(assert (= (bvmul x y) #xd4e8a0b6f1c2e5a7))(check-sat)';

describe('a z3 query with a budget of work', () => {
  it.each([false, true])('spends the same work on every check, whatever ran before it (quick tactic: %s)', async (quick) => {
    const first = await session().check(FACTORING, { workMs: 20_000, quick });
    expect(first.status).toBe('sat');
    expect(first.workMs).toBeGreaterThan(0);
    await session().check(HARD, { workMs: 200, quick });
    const again = await session().check(FACTORING, { workMs: 20_000, quick });
    expect(again).toEqual(first);
  });

  it('ends unknown (timeout) at a budget short of that work, having spent exactly the budget', async () => {
    const whole = await session().check(FACTORING, { workMs: 20_000 });
    const budget = Math.floor((whole.workMs * Z3_WORK_PER_MS) / 2) / Z3_WORK_PER_MS;
    const short = await session().check(FACTORING, { workMs: budget });
    expect(short).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/^timeout \(z3 spent its budget: \d+ units of counted work/) });
    expect(short.workMs).toBeCloseTo(budget, 6);
  });

  it('with narrowing assertions, answers with the narrowed model when there is one', async () => {
    const narrowed = await session().check(FACTORING, { workMs: 20_000, narrow: '(assert (bvult x y))' });
    expect(narrowed.status).toBe('sat');
    if (narrowed.status !== 'sat') return;
    const [x, y] = [BigInt(narrowed.model['x']!.replace('#', '0')), BigInt(narrowed.model['y']!.replace('#', '0'))];
    expect(x < y).toBe(true);
    expect(x * y).toBe(0xf22644aaffn);
  });
});
