import { RequestType } from 'vscode-jsonrpc';
import { MessageDirection } from './messages.js';
import type { ModuleSource } from './module-source.js';
import type { WorkDoneProgressParams } from './progress.js';
import type { VerifyReport } from './report.js';

/** The solver timeout a verify request may give per query, ms (`timeoutMs`). */
export const VerifyTimeoutRange = { min: 1, max: 3_600_000 } as const;

export interface VerifyParams extends WorkDoneProgressParams {
  /** The module before optimization. */
  base: ModuleSource;
  /** The module to check against it (any optimizer's output). */
  candidate: ModuleSource;
  /** Solver timeout per query, ms (default 5000); one function's queries together stop at four times it. */
  timeoutMs?: number;
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
