import type { Objective, SearchStrategy, Topology, VerifyMode } from './report.js';

/**
 * Optimize options as they travel on the wire. The daemon checks at compile time that this type stays
 * assignable to the engine's own OptimizeOptions (src/daemon/handlers/optimize.ts), so the two cannot drift.
 */
export interface OptimizeOptions {
  /** Number of islands; default: available cores (at most 8). */
  islands?: number;
  /** Generations after the initial one. */
  generations?: number;
  seed?: number;
  objective?: Objective;
  topology?: Topology;
  /** How islands search after generation 0. */
  strategy?: SearchStrategy;
  /** Same islands, no migration. */
  multiStart?: boolean;
  /** strict (default): only proved changes are kept; report: keep all, say what was proved; off: no checks. */
  verify?: VerifyMode;
  /** Stop starting new generations after this many milliseconds (the output is then not deterministic). */
  timeBudgetMs?: number;
  /** Feature names (e.g. "sign-ext", "bulk-memory"); default: detected. */
  features?: string[];
  /** Keep the name section in the output. */
  keepNames?: boolean;
  /** Test hook, honoured only when the daemon runs with ATOLL_TEST_HOOKS=1. */
  plantFault?: string;
}
