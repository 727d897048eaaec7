import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../../src/protocol/report.js';
import { checkPair, type CheckServices } from '../../../src/verify/checker.js';
import { verifyModulePair } from '../../../src/verify/module-pair.js';
import { jobVerdicts } from '../../../src/verify/proof-cache.js';
import { SolverPool } from '../../../src/verify/solver-pool.js';
import type { SolverQuery } from '../../../src/verify/solver-task.js';
import { FEATURES, fn, moduleWith, pairSide as side, wat } from './pair.js';

/**
 * A check's wall-clock time (CheckOptions.deadlineMs, what `atoll verify --function-time` sets): every
 * solver query fits in what is left of it, runs stop at it, and an unknown it left is kept under a key that
 * names it. A z3 that always uses its whole timeout stands in for the real one, so that what is tested is
 * what the check asks, not how fast z3 is here.
 */
let z3Version: string;
let pool: SolverPool;
beforeAll(async () => {
  pool = new SolverPool(1);
  await pool.warmUp();
  z3Version = await pool.z3Version();
});
afterAll(() => pool.close());

const sig = '(param i32) (result i32)';
// (x + 1)² against x² + 2x + 1: the value graph does not expand products, so only the solver could prove it.
const base = side(fn(sig, '(i32.mul (i32.add (local.get 0) (i32.const 1)) (i32.add (local.get 0) (i32.const 1)))'));
const candidate = side(fn(sig, '(i32.add (i32.add (i32.mul (local.get 0) (local.get 0)) (i32.shl (local.get 0) (i32.const 1))) (i32.const 1))'));

/** A solver that answers unknown once the query's time is up (its timeout, or what is left of the check's). */
function slowSolver(): CheckServices & { asked: SolverQuery[] } {
  const asked: SolverQuery[] = [];
  return {
    asked,
    solve: async (query) => {
      asked.push(query);
      await new Promise((resolve) => setTimeout(resolve, Math.min(query.workMs, query.withinMs ?? Infinity)));
      return { status: 'unknown', reason: 'timeout' };
    },
    z3Version,
    verdicts: jobVerdicts(undefined, new Map<string, Verdict>()),
  };
}

const check = (services: CheckServices, deadlineMs: number | undefined, after = 0) =>
  checkPair(base, candidate, services, { featureFlags: FEATURES, timeoutMs: 5000, runs: { before: 0, after }, ...(deadlineMs === undefined ? {} : { deadlineMs }) });

describe('a check with a wall-clock time', () => {
  it('asks the solver to answer within what is left of it', async () => {
    const solver = slowSolver();
    const result = await check(solver, 400);
    expect(result.verdict).toMatchObject({ status: 'unknown', reason: 'timeout' });
    expect(solver.asked.length).toBeGreaterThan(0);
    for (const query of solver.asked) expect(query.withinMs).toBeLessThanOrEqual(400);
  });

  it('without one, asks with the per-query timeout and no deadline', async () => {
    const solver = slowSolver();
    const quick = { ...solver, solve: (query: SolverQuery) => solver.solve({ ...query, workMs: 1 }) };
    await check(quick, undefined);
    expect(solver.asked.some((q) => q.tactic === undefined)).toBe(true);
    for (const query of solver.asked) expect(query.withinMs).toBeUndefined();
  });

  it('keeps a quarter of it for runs on entry states', async () => {
    const solver = slowSolver();
    const result = await check(solver, 1200, 50);
    for (const query of solver.asked) expect(query.withinMs).toBeLessThanOrEqual(900);
    expect(result.runs.ran).toBeGreaterThan(0);
  });

  it('runs no entry states once it has passed', async () => {
    // A solver that overruns what it was given leaves the runs after it no time.
    const overrunning = slowSolver();
    const late = { ...overrunning, solve: (query: SolverQuery) => overrunning.solve({ ...query, workMs: 600, withinMs: 600 }) };
    expect((await check(late, 300, 50)).runs.ran).toBe(0);
  });

  it('keeps its unknown under a key that names the time: the same time takes it, another asks again', async () => {
    const solver = slowSolver();
    const first = await check(solver, 300);
    expect(first.cached).toBe(false);
    expect(await check(solver, 300)).toMatchObject({ cached: true, verdict: first.verdict });
    expect((await check(solver, 600)).cached).toBe(false);
  });
});

/**
 * Factoring the product of two 32-bit primes (from the middle of the range: z3 has found factors close to 2³²
 * within 300 ms), a different product per query so that nothing z3 learnt on one helps with the next.
 */
const factoring = (product: string) => '(declare-const x (_ BitVec 32))(declare-const y (_ BitVec 32))' +
  '(assert (bvugt x #x00000001))(assert (bvugt y #x00000001))' +
  `(assert (= (bvmul ((_ zero_extend 32) x) ((_ zero_extend 32) y)) #x${product}))(check-sat)`;
const HARD = [factoring('52c48c46fc4a3b47'), factoring('82187367dcbb39a5'), factoring('0379bddf40a0847f')];

describe('a solver query with a time to answer within', () => {
  it('is not sent when that time is already too short', async () => {
    const answer = await pool.check({ smt: HARD[0]!, workMs: 5000, withinMs: 10 });
    expect(answer).toMatchObject({ status: 'unknown' });
    expect(answer.status === 'unknown' && answer.reason).toMatch(/waited for a solver thread/);
  });

  it('runs z3 no longer than that time, whatever its timeout', async () => {
    const started = performance.now();
    const answer = await pool.check({ smt: HARD[2]!, workMs: 60_000, withinMs: 300 });
    expect(answer.status).toBe('unknown');
    expect(answer.status === 'unknown' && answer.reason).not.toMatch(/waited/);
    // z3 was given the 300 ms, not the minute: it stops at its own timeout, or, where it overruns the deadline
    // by more than the grace (a loaded CI machine did), its thread is ended at the hard limit.
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('waits for a busy thread no longer than that time', async () => {
    // The pool has one thread, which the first query holds for its whole timeout.
    const order: string[] = [];
    const busy = pool.check({ smt: HARD[0]!, workMs: 1000 }).then((answer) => (order.push('busy'), answer));
    const waiting = pool.check({ smt: HARD[1]!, workMs: 1000, withinMs: 200 }).then((answer) => (order.push('waiting'), answer));
    const answer = await waiting;
    expect(answer.status === 'unknown' && answer.reason).toMatch(/waited for a solver thread/);
    await busy;
    expect(order).toEqual(['waiting', 'busy']);
  }, 60_000);
});

describe('a module pair checked with a time per function', () => {
  it('checks one function at a time, whatever the concurrency asked for', async () => {
    // Checks in flight share one thread for their graphs and runs: each one's clock would run on the others' work.
    const funcs = (k: number) => ['f', 'g', 'h'].map((name, i) => `(func $${name} ${name === 'f' ? '' : `(export "${name}")`} (param i32) (result i32) (i32.mul (local.get 0) (i32.const ${k + i})))`).join(' ');
    let inFlight = 0;
    let most = 0;
    const services: CheckServices = { solve: (query) => pool.check(query), z3Version, verdicts: jobVerdicts(undefined, new Map<string, Verdict>()) };
    const report = await verifyModulePair(wat(moduleWith(funcs(2))), wat(moduleWith(funcs(3))), services, {
      featureFlags: FEATURES, concurrency: 4, functionTimeMs: 5000,
      onStarted: () => (most = Math.max(most, ++inFlight)),
      onChecked: () => inFlight--,
    });
    expect(report.functions.filter((f) => f.verdict.status === 'refuted').length).toBeGreaterThanOrEqual(3);
    expect(most).toBe(1);
  });
});
