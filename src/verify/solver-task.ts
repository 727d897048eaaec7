/** What crosses into a z3 worker and back. */

/** Prefix of the reason of an answer that z3 failed to give (it threw, or its thread died). */
export const SOLVER_ERROR = 'solver-error';

/**
 * The reason of an `unknown` check that was z3 failing, not z3 out of time or of its means: an exception
 * inside z3 (seen on whole-jump queries of oniguruma: "Sort mismatch at argument #1 for function (declare-fun
 * = …)", and "unreachable" after an internal assertion) is reported as the check's reason. Those used to read
 * as timeouts; a failure is retried on a fresh z3 instead (see SolverPool.check) and reported as one.
 */
export function isSolverFailure(reasonUnknown: string): boolean {
  return !/timeout|canceled|resource|memory|incomplete|interrupted|^unknown$/i.test(reasonUnknown.trim());
}

/**
 * z3's resource units per millisecond of a query's budget: a budget of `workMs` is `workMs × Z3_WORK_PER_MS`
 * units of rlimit, whatever the clock says. Measured on the 150 distinct queries of strict runs (six small
 * corpus modules, tree-sitter's runtime and brotli-wasm, the last outside the corpus), each replayed in a
 * fresh context on one core of this 2-core machine: z3's full solver does 116–2658 units per ms (median
 * 695), its quick tactic 23–1683; at 750, a 2000 ms budget answers 75 of the 79 queries z3 answers at all
 * (a 2000 ms timeout: 75), and a query cut off at it took 0.56–12.9 s of wall-clock time (median 2.6 s).
 */
export const Z3_WORK_PER_MS = 750;

/**
 * A check that is still running after this many times its budget in wall-clock time is stopped by z3's own
 * timeout: on a machine far slower or busier than the one the units were measured on, or in a phase that does
 * not count its work (the slowest query above, 518 KB of SMT text, did 116 units per ms). Charged as its whole
 * budget (z3-session.ts), such a stop changes nothing else in the check; only a query that would have been
 * answered within its units but not within this time gets another verdict than on a quiet machine.
 */
export const WALL_SAFETY = 5;

export interface SolverTask {
  kind: 'check';
  smt: string;
  /**
   * The query's budget of z3 work, ms: z3's resource count (rlimit, Z3_WORK_PER_MS units per ms), so that
   * whether a query is answered within it is the same on every run and machine (z3-session.ts).
   */
  workMs: number;
  /**
   * Wall-clock cap, ms: the safety net behind the budget (default WALL_SAFETY × workMs), shorter when the
   * check has a deadline (see withinMs).
   */
  wallMs?: number;
  /** Extra assertions tried first when the query is sat (e.g. a small memory size), for a replayable model. */
  narrow?: string;
  /**
   * 'quick': a cheap tactic (simplify, solve-eqs, then bit-blasting to SAT, or z3's SMT core where terms
   * cannot be bit-blasted), for the first attempt at a small query with a small budget. Giving up within that
   * budget is expected and says nothing about the z3 instance (see SolverReply).
   */
  tactic?: 'quick';
  /**
   * Wall-clock ms, from when the query is asked, within which it must be answered, waits for a free or fresh
   * solver thread included (a check's deadline: CheckOptions.deadlineMs). The pool turns what is left of it
   * into the query's wall-clock cap; the worker never sees this field.
   */
  withinMs?: number;
}

/** A check as its callers pose it; the pool adds the task kind. */
export type SolverQuery = Omit<SolverTask, 'kind'>;

/** What z3 said about a query: a sat answer carries the model's constants as text. */
export type SolverOutcome =
  | { status: 'sat'; model: Record<string, string> }
  | { status: 'unsat' }
  | { status: 'unknown'; reason: string };

export type SolverAnswer = SolverOutcome & {
  /**
   * The z3 work the query spent, in ms of budget (SolverTask.workMs): what a check's budget is charged, the
   * same on a quiet machine and a busy one. Absent when no z3 answered (its thread was ended).
   */
  workMs?: number;
};

/**
 * A worker's reply: the answer, and the worker's thread id when the pool should retire that thread, after a
 * z3 failure. A check that ran out of its budget leaves nothing behind (its context is deleted), so its thread
 * stays: a replacement costs ~1.3 s of start-up and a cold JIT.
 */
export interface SolverReply {
  answer: SolverAnswer;
  retireThread?: number;
}
