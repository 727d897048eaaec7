import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ErrorCode } from './errors.js';
import type { OptimizeOptions } from './options.js';
import type { OptimizeReport } from './report.js';

/**
 * Watch mode. The types are fixed here; until the daemon implements it, both requests answer
 * NotAvailable (-33009) and `initialize` reports `capabilities.watch: false`.
 */
export interface WatchStartParams {
  /** Absolute paths of .wasm files or folders to watch. */
  paths: string[];
  /** Where outputs go; default beside each input as name.opt.wasm. */
  outputDir?: string;
  options?: OptimizeOptions;
  /** Quiet time after the last write before a rebuild starts. */
  debounceMs?: number;
}

export interface WatchStartResult {
  watchId: string;
  watching: string[];
}

export interface WatchStopParams {
  watchId: string;
}

export interface WatchStopResult {
  stopped: boolean;
}

/** Daemon → client: one per rebuild of a watched file. */
export interface WatchResultParams {
  watchId: string;
  path: string;
  /** What triggered the rebuild (e.g. "change", "add"). */
  cause: string;
  ms: number;
  outputPath?: string;
  report?: OptimizeReport;
  error?: { code: ErrorCode; message: string };
}

export const WatchStartRequest = new RequestType<WatchStartParams, WatchStartResult, void>('atoll/watch/start');
export const WatchStopRequest = new RequestType<WatchStopParams, WatchStopResult, void>('atoll/watch/stop');
export const WatchResultNotification = new NotificationType<WatchResultParams>('atoll/watchResult');
