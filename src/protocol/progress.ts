import { NotificationType, ProgressType, RequestType } from 'vscode-jsonrpc';
import { MessageDirection } from './messages.js';

/** The phases of an optimize or verify job, in the order they run. */
export const ProgressPhases = ['ingest', 'baseline', 'generation', 'verify', 'emit'] as const;
export type ProgressPhase = (typeof ProgressPhases)[number];

/**
 * Progress of one job, as the engine reports it through `JobHooks.onProgress`; the daemon forwards each event
 * as a `$/progress` report (with `message` = progressText(event)) and clients draw it.
 *
 * The contract for whoever emits events (src/engine):
 * - `percentage` is required: 0..100 over the **whole job**, never lower than the previous event's. A job
 *   of N generations is N + 1 slots (generation 0 runs the alternatives: -Oz, -Oz ×2, -O3 -Oz, …)
 *   between ingest and emit; a slot is shared by the evaluations its generation runs (in strict mode each
 *   moves as its passes and their step checks finish), so the bar moves inside a generation too. When a
 *   step's item counts start over (each pass checks its own steps), the bar never starts over. 100 is sent once, when the job is done. (The daemon also clamps what it
 *   forwards so that it never decreases, but an emitter must not rely on that.)
 * - `generation` / `generations`: set on every event that belongs to a generation (search and its
 *   verification): generation k of N, where N is the number of generations after generation 0 as the
 *   options asked (a time budget may end the job before N; then the bar jumps to emit).
 * - `done` / `total` with `unit`: the work items of the current step, e.g. 12 of 47 `function pairs` verified.
 *   They count within one pass of one step; a new pass starts at 0 again, which is why they never feed
 *   `percentage` directly.
 * - `detail`: a few words on what the step is doing that the structured fields do not say ("answered from
 *   the result cache", "checking the champion's steps"). No counts or percentages in it: clients show those.
 * - Events are cheap but not free: emit at most one per work item, and expect the daemon to forward all of
 *   them (clients throttle what they print).
 */
export interface ProgressEvent {
  phase: ProgressPhase;
  /** 0..100 over the whole job, never decreasing. */
  percentage: number;
  /** Generation k (0 = the starting genomes) … */
  generation?: number;
  /** … of N (generations after generation 0). */
  generations?: number;
  /** Items of the current step done … */
  done?: number;
  /** … out of this many. */
  total?: number;
  /** What `done` and `total` count, plural: "functions". */
  unit?: string;
  /** What the step is doing, in a few words, without numbers. */
  detail?: string;
}

const PHASE_TEXT: Record<ProgressPhase, string> = {
  ingest: 'reading the module',
  baseline: 'the alternatives (-Oz, -Oz ×2, -O3 -Oz, …)',
  generation: 'searching',
  verify: 'verifying',
  emit: 'writing the output',
};

/**
 * The one-line text of an event, the same in every client: "generation 2 of 4: verifying 12 of 47
 * functions", "reading the module", "writing the output: done".
 */
export function progressText(event: ProgressEvent): string {
  const what = event.detail ?? PHASE_TEXT[event.phase];
  const counted = event.done !== undefined && event.total !== undefined ? ` ${event.done} of ${event.total}${event.unit ? ` ${event.unit}` : ''}` : '';
  const generation =
    event.generation === undefined ? '' : `generation ${event.generation}${event.generations === undefined ? '' : ` of ${event.generations}`}: `;
  return `${generation}${what}${counted}`;
}

/** LSP work-done progress: the client names a token in the request, the daemon reports under that token. */
export type ProgressToken = string | number;

export interface WorkDoneProgressParams {
  /** When present, the daemon sends `$/progress` begin / report… / end under this token. */
  workDoneToken?: ProgressToken;
}

export interface WorkDoneProgressBegin {
  kind: 'begin';
  title: string;
  cancellable: boolean;
  message?: string;
  percentage?: number;
}

/** LSP's report, with atoll's structured fields of the ProgressEvent it came from. */
export interface WorkDoneProgressReport extends Omit<ProgressEvent, 'detail'> {
  kind: 'report';
  /** progressText(event). */
  message: string;
}

export interface WorkDoneProgressEnd {
  kind: 'end';
  message?: string;
}

export type WorkDoneProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/** `$/progress` with `{ token, value }`; use connection.onProgress / sendProgress with `WorkDoneProgress.type`. */
export namespace WorkDoneProgress {
  export const method = '$/progress' as const;
  export const messageDirection = MessageDirection.serverToClient;
  export const type = new ProgressType<WorkDoneProgressValue>();
}

export interface WorkDoneProgressCreateParams {
  token: ProgressToken;
}

/**
 * Daemon → client, LSP's: before reporting progress of work the client did not ask for (a watch rebuild), the
 * daemon asks the client to accept a token. Sent only to clients whose `initialize` said
 * `capabilities.window.workDoneProgress`; an error answer means no progress is sent under that token.
 */
export namespace WorkDoneProgressCreateRequest {
  export const method = 'window/workDoneProgress/create' as const;
  export const messageDirection = MessageDirection.serverToClient;
  export const type = new RequestType<WorkDoneProgressCreateParams, null, void>(method);
}

/** `$/cancelRequest` with `{ id }`: sent by the client; the cancelled request answers -32800 (vscode-jsonrpc handles it). */
export namespace CancelRequestNotification {
  export const method = '$/cancelRequest' as const;
  export const messageDirection = MessageDirection.clientToServer;
}

export const MessageType = { Error: 1, Warning: 2, Info: 3, Log: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export interface LogMessageParams {
  type: MessageType;
  message: string;
}

/** Daemon → client: a log line about that client's job (engine logs, warnings). */
export namespace LogMessageNotification {
  export const method = 'window/logMessage' as const;
  export const messageDirection = MessageDirection.serverToClient;
  export const type = new NotificationType<LogMessageParams>(method);
}
