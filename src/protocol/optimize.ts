import { RequestType } from 'vscode-jsonrpc';
import { MessageDirection } from './messages.js';
import type { ModuleSource } from './module-source.js';
import type { OptimizeOptions } from './options.js';
import type { WorkDoneProgressParams } from './progress.js';
import type { OptimizeReport } from './report.js';

export interface OptimizeParams extends WorkDoneProgressParams {
  input: ModuleSource;
  /**
   * Absolute path the daemon writes the output to (atomically, keeping an existing file's mode). Checked before
   * the job starts: it must be a regular file or a new name in an existing, writable folder. Without it the
   * bytes come back in the result.
   */
  outputPath?: string;
  /** Allow `outputPath` to name the input file itself (replaced only once the job succeeded); default false. */
  overwriteInput?: boolean;
  /** Create the output's missing folders; default false (a missing folder is an OutputFailed error before the job). */
  createDirectories?: boolean;
  options?: OptimizeOptions;
  /**
   * Absolute path the daemon writes the output's certificate to (JSON, atomically): the chain of proved steps
   * from the input to the output, which `atoll/verify` with `proofPath` re-checks. Strict mode only.
   */
  proofPath?: string;
}

export interface OptimizeResult {
  report: OptimizeReport;
  /** Set when the request named an output path. */
  outputPath?: string;
  /** The output module, base64, when the request named no output path. */
  outputBase64?: string;
  /** Set when the request named a proof path and the certificate was written there. */
  proofPath?: string;
}

export namespace OptimizeRequest {
  export const method = 'atoll/optimize' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<OptimizeParams, OptimizeResult, void>(method);
}
