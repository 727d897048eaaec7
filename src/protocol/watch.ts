import { NotificationType, RequestType } from 'vscode-jsonrpc';
import { MessageDirection } from './messages.js';
import type { ErrorCode } from './errors.js';
import type { OptimizeOptions } from './options.js';
import type { OptimizeReport } from './report.js';

/**
 * Watch mode: the daemon watches .wasm files (or folders of them) and re-optimizes each one when its
 * content changes, sending one `atoll/watchResult` per rebuild to the client that started the watch.
 * A watch ends on `atoll/watch/stop` or when that client disconnects.
 */
export interface WatchStartParams {
  /** Absolute paths of .wasm files or folders to watch (folders recursively, only their *.wasm files). */
  paths: string[];
  /** Where outputs go, keeping each input's path relative to its watched folder; default beside the input. */
  outputDir?: string;
  /**
   * Output name suffix, replacing ".wasm": default ".opt.wasm" beside the input (name.opt.wasm) and ".wasm"
   * (the input's own name) in `outputDir`. Files ending in it are never taken as inputs.
   */
  suffix?: string;
  /** Optimize options applied to every rebuild of this watch. */
  options?: OptimizeOptions;
  /** Quiet time after the last write before a rebuild starts; default 150 ms. */
  debounceMs?: number;
  /** Names of files or folders (e.g. "node_modules"), or absolute paths, never watched; default node_modules, .git. */
  ignore?: string[];
  /** Poll the file system instead of using its events (network or container mounts); default false. */
  poll?: boolean;
  /** Build the .wasm files that exist when the watch starts (cause "initial"); default true. */
  initial?: boolean;
  /**
   * Answer a change first with a quick rebuild (stage "quick"), without a search. In strict mode, when the
   * edit allows, the previous output with the changed functions rebuilt in it and proved (`report.incremental`
   * lists them); otherwise the pipeline that won the input's previous build applied to the new content, checked
   * as `options.verify` says. The full rebuild (stage "final") follows; its output is the same as
   * `atoll/optimize` gives for that content. Default true.
   */
  quick?: boolean;
}

export interface WatchStartResult {
  watchId: string;
  /** The watched paths, as given. */
  watching: string[];
  /** The .wasm inputs found when the watch started. */
  inputs: string[];
}

export interface WatchStopParams {
  watchId: string;
}

export interface WatchStopResult {
  /** False when no watch of this connection has that id (never started, already stopped, or another client's). */
  stopped: boolean;
}

/** The quiet time a watch may be given, ms (`debounceMs`). */
export const DebounceRange = { min: 0, max: 60_000 } as const;

/** Why a rebuild ran: there at start, a new file, a changed one; `unlink`: the input was deleted (nothing built). */
export const WatchCauses = ['initial', 'add', 'change', 'unlink'] as const;
export type WatchCause = (typeof WatchCauses)[number];

/**
 * Which answer to a content a watch result is. `quick`: the previous build's pipeline replayed on the new
 * content (no search; as proved as any output in strict mode); a `final` result for the same content follows
 * unless the watch stops. `final`: the output `atoll/optimize` gives for the content and options (also an
 * error, and a deleted input).
 */
export const WatchStages = ['quick', 'final'] as const;
export type WatchStage = (typeof WatchStages)[number];

/** What one rebuild did, in numbers (also in `report`, which is larger). */
export interface WatchBuildSummary {
  inputBytes: number;
  outputBytes: number;
  verifiedStatus: OptimizeReport['verifiedStatus'];
  /** Changed functions in the output, by verdict (0 when verification is off). */
  proved: number;
  unknown: number;
  refuted: number;
  /** Verdicts in the report taken from the proof cache (all of them when the result cache answered). */
  reused: number;
  /** Verdicts in the report decided during this rebuild. */
  verified: number;
  /** The whole answer came from the result cache (the same bytes were built before with the same options). */
  fromResultCache: boolean;
}

/** Daemon → client: one per rebuild of a watched file, and one when a watched input is deleted. */
export interface WatchResultParams {
  watchId: string;
  /** The input. */
  path: string;
  cause: WatchCause;
  stage: WatchStage;
  /** From the moment the content settled to the output written (or the error); a final result's time includes its quick rebuild. */
  ms: number;
  outputPath?: string;
  summary?: WatchBuildSummary;
  report?: OptimizeReport;
  /** The rebuild failed; the watch goes on and the previous output stays. */
  error?: { code: ErrorCode; message: string };
}

/** How a quick result was made, in a few words for a client's line: "previous output, 2 functions rebuilt" or "previous pipeline". */
export function quickRebuildKind(result: Pick<WatchResultParams, 'report'>): string {
  const rebuilt = result.report?.incremental?.rebuilt.length;
  return rebuilt === undefined ? 'previous pipeline' : `previous output, ${rebuilt} function${rebuilt === 1 ? '' : 's'} rebuilt`;
}

export namespace WatchStartRequest {
  export const method = 'atoll/watch/start' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<WatchStartParams, WatchStartResult, void>(method);
}

export namespace WatchStopRequest {
  export const method = 'atoll/watch/stop' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<WatchStopParams, WatchStopResult, void>(method);
}

/** Daemon → client: one per rebuild of a watched input, and one per deleted input. */
export namespace WatchResultNotification {
  export const method = 'atoll/watchResult' as const;
  export const messageDirection = MessageDirection.serverToClient;
  export const type = new NotificationType<WatchResultParams>(method);
}
