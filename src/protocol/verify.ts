import { RequestType } from 'vscode-jsonrpc';
import { MessageDirection } from './messages.js';
import type { ModuleSource } from './module-source.js';
import type { WorkDoneProgressParams } from './progress.js';
import type { VerifyReport } from './report.js';

/** The solver timeout a verify request may give per query, ms (`timeoutMs`). */
export const VerifyTimeoutRange = { min: 1, max: 3_600_000 } as const;

/** The wall-clock time a verify request may give each function's check, ms (`functionTimeMs`). */
export const FunctionTimeRange = { min: 100, max: 3_600_000 } as const;

/**
 * Default `functionTimeMs`. Measured with `npm run bench:verify -- --larger` (the ten corpus modules, 488
 * changed functions): without a limit 422 were proved, p95 10.6 s on the larger three (the unknowns waited
 * out their solver queries and graph budgets, up to 20 s each); with 2000 ms 419, p95 2.1 s; with 1500 ms
 * (its last quarter kept for runs, which refuted 148 of the mutant campaign's 150 differing mutants) 417,
 * p95 1.5 s.
 */
export const DEFAULT_FUNCTION_TIME_MS = 1500;

export interface VerifyParams extends WorkDoneProgressParams {
  /** The module before optimization. */
  base: ModuleSource;
  /** The module to check against it (any optimizer's output). */
  candidate: ModuleSource;
  /** z3's budget per query, ms of its counted work (rlimit, see README "What proved means"; default 5000); one function's queries together stop at four times it. */
  timeoutMs?: number;
  /**
   * Wall-clock time each function's whole check may take (value graphs, solver queries, runs), ms (default
   * DEFAULT_FUNCTION_TIME_MS): what is undecided then is `unknown (timeout)`. A certificate's steps are
   * re-checked without it.
   */
  functionTimeMs?: number;
  features?: string[];
  /**
   * Absolute path of a certificate written by `atoll/optimize` (`proofPath`): the pair is then checked by
   * re-checking that certificate, which is not trusted. Without it, a certificate the daemon wrote for this
   * exact pair is re-checked when it has one, and the pair is otherwise checked function by function.
   */
  proofPath?: string;
}

export namespace VerifyRequest {
  export const method = 'atoll/verify' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<VerifyParams, VerifyReport, void>(method);
}
