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

export interface SolverTask {
  kind: 'check';
  smt: string;
  timeoutMs: number;
  /** Extra assertions tried first when the query is sat (e.g. a small memory size), for a replayable model. */
  narrow?: string;
  /**
   * 'quick': a cheap tactic (simplify, solve-eqs, then bit-blasting to SAT, or z3's SMT core where terms
   * cannot be bit-blasted) bounded by timeoutMs, for the first attempt at a small query. Giving up within that
   * budget is expected and says nothing about the z3 instance (see SolverReply).
   */
  tactic?: 'quick';
  /**
   * Wall-clock ms, from when the query is asked, within which it must be answered, waits for a free or fresh
   * solver thread included (a check's deadline: CheckOptions.deadlineMs). The pool shortens the timeout by
   * what the query waited; the worker never sees this field.
   */
  withinMs?: number;
}

/** A check as its callers pose it; the pool adds the task kind. */
export type SolverQuery = Omit<SolverTask, 'kind'>;

export type SolverAnswer = (
  | { status: 'sat'; model: Record<string, string> }
  | { status: 'unsat' }
  | { status: 'unknown'; reason: string }
) & {
  /**
   * z3's own time on the query, ms, on its worker's clock: what a check's budget is charged (waiting in the
   * pool's queue behind other checks is not this check's). Absent when no z3 answered (its thread was ended).
   */
  ms?: number;
};

/**
 * A worker's reply: the answer, and the worker's thread id when the pool should retire that thread: after a
 * z3 failure, and after every TIMEOUTS_BEFORE_RETIRING-th timeout (solver-worker.ts). With the high-level
 * API a z3 that hit its timeout answered later queries late or not at all (a 40 ms query then ran into the
 * 11 s hard limit), and every timeout retired its thread; the low-level session (z3-session.ts) does not.
 */
export interface SolverReply {
  answer: SolverAnswer;
  retireThread?: number;
}
