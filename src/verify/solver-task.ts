/** What crosses into a z3 worker and back. */

/** Prefix of the reason of an answer that z3 failed to give (it threw, or its thread died). */
export const SOLVER_ERROR = 'solver-error';
export interface SolverTask {
  kind: 'check';
  smt: string;
  timeoutMs: number;
  /** Extra assertions tried first when the query is sat (e.g. a small memory size), for a replayable model. */
  narrow?: string;
}

/** A check as its callers pose it; the pool adds the task kind. */
export type SolverQuery = Omit<SolverTask, 'kind'>;

export type SolverAnswer =
  | { status: 'sat'; model: Record<string, string> }
  | { status: 'unsat' }
  | { status: 'unknown'; reason: string };

/**
 * A worker's reply: the answer, and after an unknown one (a timeout, a z3 failure) the worker's thread id,
 * because a z3 instance that hit its timeout answers later queries late or not at all (measured: a 40 ms
 * query then ran into the 11 s hard limit), so the pool retires that thread.
 */
export interface SolverReply {
  answer: SolverAnswer;
  retireThread?: number;
}
