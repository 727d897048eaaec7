import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../../src/protocol/report.js';
import { checkPair, type CheckServices } from '../../../src/verify/checker.js';
import { jobVerdicts } from '../../../src/verify/proof-cache.js';
import { FEATURES, fn, pairSide as side } from './pair.js';
import { checkServicesForFile } from './z3-session.js';

/**
 * `solver: false` (what a strict pipeline uses for a function z3 already gave up on, see proved-pipeline.ts):
 * the value graph still decides, anything it does not settle is unknown without asking z3, and that unknown
 * is not stored, so a caller that may ask z3 still gets the proof.
 */
const services = checkServicesForFile();

const sig = '(param i32) (result i32)';
const check = (a: string, b: string, solver?: boolean) =>
  checkPair(side(fn(sig, a)), side(fn(sig, b)), services(), { featureFlags: FEATURES, ...(solver === undefined ? {} : { solver }) });

describe('a check without the solver', () => {
  it('leaves a pair the graph does not settle unknown, and does not store that', async () => {
    // ~rotl(x, 3) against rotl(-1 - x, 3): no graph rule moves `~` through a rotate or reads -1 - x as ~x; z3 proves it.
    const base = '(i32.xor (i32.rotl (local.get 0) (i32.const 3)) (i32.const -1))';
    const candidate = '(i32.rotl (i32.sub (i32.const -1) (local.get 0)) (i32.const 3))';
    const skipped = await check(base, candidate, false);
    expect(skipped.verdict).toMatchObject({ status: 'unknown', reason: 'timeout' });
    expect(JSON.stringify(skipped.verdict)).toContain('not asked');
    expect(skipped.solverCalls).toBe(0);
    const asked = await check(base, candidate);
    expect(asked.cached).toBe(false);
    expect(asked.verdict).toEqual({ status: 'proved', method: 'smt' });
  });

  it('still proves what the graph settles', async () => {
    const result = await check('(i32.mul (local.get 0) (i32.const 2))', '(i32.shl (local.get 0) (i32.const 1))', false);
    expect(result.verdict).toEqual({ status: 'proved', method: 'graph' });
  });
});

describe('a pair that ran out of time', () => {
  // What is tested is how an undecided pair is kept (under a key naming the limits), not z3: a z3 that always runs out
  // of time stands in for the real one, which proved the pair below within a 2 ms timeout now and then (z3's
  // rewriter sometimes gets there before any bit-blasting), failing this test on a fast run.
  const base = '(i32.mul (i32.add (local.get 0) (i32.const 1)) (i32.add (local.get 0) (i32.const 1)))';
  const candidate = '(i32.add (i32.add (i32.mul (local.get 0) (local.get 0)) (i32.shl (local.get 0) (i32.const 1))) (i32.const 1))';
  const outOfTime = (): CheckServices => ({
    solve: async () => ({ status: 'unknown', reason: 'timeout' }),
    z3Version: services().z3Version,
    verdicts: jobVerdicts(undefined, new Map<string, Verdict>()),
  });
  const limited = (timeoutMs: number, slow: CheckServices) =>
    checkPair(side(fn(sig, base)), side(fn(sig, candidate)), slow, { featureFlags: FEATURES, timeoutMs, budgetMs: 10_000, runs: { before: 0, after: 0 } });

  it('is not asked again under the same limits, and is asked again with more time', async () => {
    const slow = outOfTime();
    const first = await limited(2, slow);
    expect(first.verdict).toMatchObject({ status: 'unknown', reason: 'timeout' });
    expect(first.solverCalls).toBeGreaterThan(0);
    const again = await limited(2, slow);
    expect(again).toMatchObject({ cached: true, solverCalls: 0, verdict: first.verdict });
    const longer = await limited(3, slow);
    expect(longer.cached).toBe(false);
    expect(longer.solverCalls).toBeGreaterThan(0);
  });

  it('is asked again by a check that runs more entry states once no proof was found', async () => {
    // A strict pipeline runs none there (a refutation sends a step back just as an unknown does); `atoll verify` does.
    const slow = outOfTime();
    expect((await limited(2, slow)).runs.ran).toBe(0);
    const running = await checkPair(side(fn(sig, base)), side(fn(sig, candidate)), slow, { featureFlags: FEATURES, timeoutMs: 2, budgetMs: 10_000, runs: { before: 0, after: 20 } });
    expect(running.cached).toBe(false);
    expect(running.runs.ran).toBeGreaterThan(0);
  });

  it('includes building the value graph: a graph out of work is a timeout, kept like one', async () => {
    const slow = outOfTime();
    const spent = () => checkPair(side(fn(sig, base)), side(fn(sig, candidate)), slow, { featureFlags: FEATURES, timeoutMs: 5, budgetMs: 0, runs: { before: 0, after: 0 } });
    const first = await spent();
    // A budget of 0 ms allows no work: the graph is given up at its first term, not when a clock says so.
    expect(first.verdict).toMatchObject({ status: 'unknown', reason: 'timeout' });
    expect(JSON.stringify(first.verdict)).toContain('work budget');
    expect(first.solverCalls).toBe(0);
    expect((await spent()).cached).toBe(true);
    expect((await limited(5, slow)).cached).toBe(false);
  });
});

