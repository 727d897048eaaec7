/** What crosses into a z3 worker and back. */
export interface SolverTask {
  kind: 'check';
  smt: string;
  timeoutMs: number;
  /** Extra assertions tried first when the query is sat (e.g. a small memory size), for a replayable model. */
  narrow?: string;
}

export type SolverAnswer =
  | { status: 'sat'; model: Record<string, string> }
  | { status: 'unsat' }
  | { status: 'unknown'; reason: string };
