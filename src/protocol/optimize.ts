import { RequestType } from 'vscode-jsonrpc';
import type { ModuleSource } from './module-source.js';
import type { OptimizeOptions } from './options.js';
import type { WorkDoneProgressParams } from './progress.js';
import type { OptimizeReport } from './report.js';

export interface OptimizeParams extends WorkDoneProgressParams {
  input: ModuleSource;
  /** Absolute path the daemon writes the output to (atomically). Without it the bytes come back in the result. */
  outputPath?: string;
  options?: OptimizeOptions;
}

export interface OptimizeResult {
  report: OptimizeReport;
  /** Set when the request named an output path. */
  outputPath?: string;
  /** The output module, base64, when the request named no output path. */
  outputBase64?: string;
}

export const OptimizeRequest = new RequestType<OptimizeParams, OptimizeResult, void>('atoll/optimize');
