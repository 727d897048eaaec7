import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Verifier } from '../../../src/verify/index.js';
import { optimizeWithNames } from '../../../src/verify/self-check.js';
import type { Verdict } from '../../../src/protocol/report.js';
import { ModuleContext } from '../../../src/verify/context.js';
import { Builder } from '../../../src/verify/graph/build.js';
import { Graph, GraphBudgetExceeded, GraphWork } from '../../../src/verify/graph/terms.js';
import { InductionPlan } from '../../../src/verify/induction.js';
import { readIr } from '../../../src/verify/verifier.js';
import { checkPair } from '../../../src/verify/checker.js';
import { SolverPool } from '../../../src/verify/solver-pool.js';
import { FEATURES, fn, moduleWith, pairSide, verdictOf, wat } from './pair.js';

/**
 * Changed loops proved at matched loop headers — in the value graph (the candidate's loop shown to be the
 * base's by one iteration under a relation of carried values) or by induction over a coupling of locals with
 * z3 — and loop changes that must never prove (each refuted with a counterexample that reproduced in V8).
 */
let verifier: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1 });
  await verifier.warmUp();
});
afterAll(() => verifier.close());

const expectGraph = (v: Verdict) => expect(v, JSON.stringify(v)).toEqual({ status: 'proved', method: 'graph' });
const expectInduction = (v: Verdict) => expect(v, JSON.stringify(v)).toEqual({ status: 'proved', method: 'induction' });

function expectReplayedRefutation(v: Verdict): void {
  expect(v.status, JSON.stringify(v)).toBe('refuted');
  if (v.status === 'refuted') expect(v.counterexample.observed!.base).not.toBe(v.counterexample.observed!.candidate);
}

function expectNotProved(v: Verdict): void {
  expect(v.status, JSON.stringify(v)).not.toBe('proved');
  if (v.status === 'refuted') expectReplayedRefutation(v);
}

const sig = '(param i32 i32) (result i32) (local i32 i32 i32)';

/** Sum of 0..n-1 counted in local 2 into local 3, calling $inc for the step. */
const countingLoop = (exit: string, step: string) => `
  (block $done
    (loop $next
      (br_if $done ${exit})
      (local.set 3 (i32.add (local.get 3) (local.get 2)))
      (local.set 2 ${step})
      (br $next)))
  (local.get 3)`;
const sumWithCall = countingLoop('(i32.ge_s (local.get 2) (local.get 0))', '(call $inc (local.get 2))');

/** A loop summing `add` over i in [0, n) into local 3. */
const summing = (add: string) => `
  (block $done
    (loop $next
      (br_if $done (i32.ge_s (local.get 2) (local.get 0)))
      (local.set 3 (i32.add (local.get 3) ${add}))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br $next)))
  (local.get 3)`;
/**
 * `~i` summed, against `-1 - i` through a temporary (local 4) set before the exit test: equal, but not by any
 * graph rule, and not a local change either (the statement added before the exit test sets a local read
 * later, which the base's does not hold; set next to its use, the run of both would be one).
 */
const NOT_AGAINST_MINUS_ONE_MINUS = [
  summing('(i32.xor (local.get 2) (i32.const -1))'),
  `
  (block $done
    (loop $next
      (local.set 4 (i32.sub (i32.const -1) (local.get 2)))
      (br_if $done (i32.ge_s (local.get 2) (local.get 0)))
      (local.set 3 (i32.add (local.get 3) (local.get 4)))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br $next)))
  (local.get 3)`,
] as const;

/** Stores 7 at p + k for k in [0, n), called as $fill(p, n). */
const fill = `(func $fill (param i32 i32) (local i32)
  (block $done
    (loop $next
      (br_if $done (i32.ge_u (local.get 2) (local.get 1)))
      (i32.store8 (i32.add (local.get 0) (local.get 2)) (i32.const 7))
      (local.set 2 (i32.add (local.get 2) (i32.const 1)))
      (br $next))))`;
const callsFill = '(call $fill (local.get 1) (local.get 0)) (local.get 0)';
/** $fill(local 1, local 0) inlined the way binaryen does it, storing `byte`. */
const fillInlined = (byte: string) => `
  (local.set 2 (local.get 1))
  (loop $next
    (if (i32.lt_u (local.get 3) (local.get 0))
      (then
        (i32.store8 (i32.add (local.get 3) (local.get 2)) (i32.const ${byte}))
        (local.set 3 (i32.add (local.get 3) (i32.const 1)))
        (br $next))))
  (local.get 0)`;

describe('proved at matched loop headers', () => {
  it("demo's sum against binaryen -Oz of it (helper inlined, loop inverted, locals renumbered)", async () => {
    const { base, candidate } = optimizeWithNames(wat(readFileSync('examples/demo.wat', 'utf8')), FEATURES);
    const report = await verifier.verifyModules(base, candidate, { featureFlags: FEATURES, only: ['sum'] });
    expectGraph(report.functions[0]!.verdict);
  });

  it('a counting loop with the helper inlined and its exit branch turned into an if', async () => {
    // The shape binaryen gives it: the exit branch becomes an `if` around the body and the back edge.
    const inlined = `
      (loop $next
        (if (i32.lt_s (local.get 2) (local.get 0))
          (then
            (local.set 3 (i32.add (local.get 2) (local.get 3)))
            (local.set 2 (i32.add (local.get 2) (i32.const 1)))
            (br $next))))
      (local.get 3)`;
    expectGraph(await verdictOf(verifier, fn(sig, sumWithCall), fn(sig, inlined)));
  });

  it('a loop body reordered and simplified by optimize-instructions-style rewrites', async () => {
    const base = `
      (loop $l
        (local.set 2 (i32.mul (local.get 0) (i32.const 8)))
        (local.set 3 (i32.add (local.get 3) (local.get 2)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br_if $l (i32.ne (local.get 0) (i32.const 0))))
      (local.get 3)`;
    const candidate = `
      (loop $l
        (local.set 3 (i32.add (i32.shl (local.get 0) (i32.const 3)) (local.get 3)))
        (br_if $l (local.tee 0 (i32.add (local.get 0) (i32.const -1)))))
      (local.get 3)`;
    expectGraph(await verdictOf(verifier, fn(sig, base), fn(sig, candidate)));
  });

  it('a loop whose counter and accumulator were renamed and whose temporary was coalesced away', async () => {
    const base = `
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get 2) (local.get 0)))
          (local.set 4 (i32.xor (local.get 3) (local.get 2)))
          (local.set 3 (local.get 4))
          (local.set 2 (i32.add (local.get 2) (i32.const 1)))
          (br $next)))
      (local.get 3)`;
    const candidate = `
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get 4) (local.get 0)))
          (local.set 2 (i32.xor (local.get 2) (local.get 4)))
          (local.set 4 (i32.add (local.get 4) (i32.const 1)))
          (br $next)))
      (local.get 2)`;
    expectGraph(await verdictOf(verifier, fn(sig, base), fn(sig, candidate)));
  });

  it('a loop with a store whose address computation was strength-reduced', async () => {
    // Stores i at p + 4*i for i in [0, n): the multiply becomes a shift, operands swap, the exit becomes an if.
    const base = `
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get 2) (local.get 1)))
          (i32.store (i32.add (local.get 0) (i32.mul (local.get 2) (i32.const 4))) (local.get 2))
          (local.set 2 (i32.add (local.get 2) (i32.const 1)))
          (br $next)))
      (i32.const 0)`;
    const candidate = `
      (loop $next
        (if (i32.gt_u (local.get 1) (local.get 2))
          (then
            (i32.store (i32.add (i32.shl (local.get 2) (i32.const 2)) (local.get 0)) (local.get 2))
            (local.set 2 (i32.add (local.get 2) (i32.const 1)))
            (br $next))))
      (i32.const 0)`;
    expectGraph(await verdictOf(verifier, fn(sig, base), fn(sig, candidate)));
  });

  it('a loop whose step local was replaced by the constant it always holds', async () => {
    const stepping = (step: string) => `
      (local.set 4 (i32.const 3))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get 2) (local.get 0)))
          (local.set 3 (i32.add (local.get 3) (local.get 2)))
          (local.set 2 (i32.add (local.get 2) ${step}))
          (br $next)))
      (local.get 3)`;
    expectGraph(await verdictOf(verifier, fn(sig, stepping('(local.get 4)')), fn(sig, stepping('(i32.const 3)'))));
  });

  it('a loop whose step the graph cannot equate and that uses a new local (induction over a coupling, with z3)', async () => {
    // `~i` against `-1 - i` through a temporary: no graph rule rewrites one into the other, and the change is
    // not a self-contained subtree; coupling i and s at the header is inductive.
    const [base, candidate] = NOT_AGAINST_MINUS_ONE_MINUS;
    expectInduction(await verdictOf(verifier, fn(sig, base), fn(sig, candidate)));
    // Its queries are built within the check's budget: all-pairs couplings of a function with many locals
    // once normalised for minutes (tree-sitter runtime's fn34, 2681 expressions) with no bound at all.
    const [irA, irB] = [base, candidate].map((body) => readIr(wat(moduleWith(fn(sig, body))), FEATURES));
    const [ctxA, ctxB] = [new ModuleContext(irA!), new ModuleContext(irB!)];
    const bounded = () => new Builder(new Graph({ maxTerms: 1_000_000, work: new GraphWork(50), deadline: Number.POSITIVE_INFINITY }));
    const plan = InductionPlan.create(ctxA.functions.get('f')!, ctxB.functions.get('f')!, ctxA, ctxB, bounded);
    expect(() => plan!.initialCoupling()).toThrow(GraphBudgetExceeded);
  });

  it('by an induction that starts from what runs saw at the header: the same proof in fewer solver calls', async () => {
    // The pair above: the all-pairs coupling of five locals a side starts with 25 equalities, most of which
    // the first sampled visits of the header break; dropping those is what the solver's models did one by one.
    const [base, candidate] = NOT_AGAINST_MINUS_ONE_MINUS.map((body) => pairSide(fn(sig, body)));
    const pool = new SolverPool(1);
    try {
      const services = { solve: pool.check.bind(pool), z3Version: await pool.z3Version() };
      // Runs only inform the coupling here: none before the solver, and they cannot refute an equivalent pair.
      const check = (runs: { before: number; after: number }) => checkPair(base, candidate, services, { featureFlags: FEATURES, runs });
      const [sampled, blind] = [await check({ before: 0, after: 1 }), await check({ before: 0, after: 0 })];
      expectInduction(sampled.verdict);
      expectInduction(blind.verdict);
      expect(sampled.solverCalls).toBeLessThan(blind.solverCalls);
    } finally {
      await pool.close();
    }
  });

  it('a loop the optimizer inlined from a callee, against the call (the graph runs that callee inline on both sides)', async () => {
    expectGraph(await verdictOf(verifier, `${fill} ${fn(sig, callsFill)}`, `${fill} ${fn(sig, fillInlined('7'))}`));
  });
});

describe('never proved', () => {
  it('an off-by-one exit condition', async () => {
    const offByOne = countingLoop('(i32.gt_s (local.get 2) (local.get 0))', '(call $inc (local.get 2))');
    expectReplayedRefutation(await verdictOf(verifier, fn(sig, sumWithCall), fn(sig, offByOne)));
  });

  it('a changed step', async () => {
    const byTwo = countingLoop('(i32.ge_s (local.get 2) (local.get 0))', '(i32.add (local.get 2) (i32.const 2))');
    expectReplayedRefutation(await verdictOf(verifier, fn(sig, sumWithCall), fn(sig, byTwo)));
  });

  it('a store dropped from the loop', async () => {
    const storing = (store: string) => `
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get 2) (local.get 1)))
          ${store}
          (local.set 2 (i32.add (local.get 2) (i32.const 1)))
          (br $next)))
      (local.get 2)`;
    const base = storing('(i32.store8 (i32.add (local.get 0) (local.get 2)) (local.get 2))');
    expectReplayedRefutation(await verdictOf(verifier, fn(sig, base), fn(sig, storing(''))));
  });

  it('an inlined loop that stores a different byte than its callee', async () => {
    // Refutation unrolls only the function itself and the call stays opaque there, so this one is unknown.
    expectNotProved(await verdictOf(verifier, `${fill} ${fn(sig, callsFill)}`, `${fill} ${fn(sig, fillInlined('8'))}`));
  });

  it('a loop that traps in one version only', async () => {
    const dividing = (divisor: string) => `
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get 2) (local.get 1)))
          (local.set 3 (i32.add (local.get 3) (i32.div_u (local.get 0) ${divisor})))
          (local.set 2 (i32.add (local.get 2) (i32.const 1)))
          (br $next)))
      (local.get 3)`;
    const trapping = dividing('(local.get 2)');
    const guarded = dividing('(select (local.get 2) (i32.const 1) (local.get 2))');
    expectReplayedRefutation(await verdictOf(verifier, fn(sig, trapping), fn(sig, guarded)));
  });
});
