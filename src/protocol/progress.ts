import { NotificationType, ProgressType } from 'vscode-jsonrpc';
import type { ProgressEvent } from './report.js';

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

export interface WorkDoneProgressReport {
  kind: 'report';
  message?: string;
  percentage?: number;
  /** atoll's extension: which phase of the job the report belongs to. */
  phase?: ProgressEvent['phase'];
}

export interface WorkDoneProgressEnd {
  kind: 'end';
  message?: string;
}

export type WorkDoneProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/** `$/progress` with `{ token, value }`; use connection.onProgress / sendProgress with this type. */
export const WorkDoneProgress = new ProgressType<WorkDoneProgressValue>();
export const ProgressMethod = '$/progress';

/** `$/cancelRequest` with `{ id }`: sent by the client; the cancelled request answers -32800. */
export const CancelRequestMethod = '$/cancelRequest';

export const MessageType = { Error: 1, Warning: 2, Info: 3, Log: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export interface LogMessageParams {
  type: MessageType;
  message: string;
}

/** Daemon → client: a log line about that client's job (engine logs, warnings). */
export const LogMessageNotification = new NotificationType<LogMessageParams>('window/logMessage');
