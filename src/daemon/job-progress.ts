import type { MessageConnection } from 'vscode-jsonrpc';
import {
  progressText,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
  type ProgressEvent,
  type ProgressToken,
  type WorkDoneProgressValue,
} from '../protocol/progress.js';

/** How long a client may take to accept a progress token of the daemon's own. */
const CREATE_TIMEOUT_MS = 5000;

/**
 * `$/progress` for one job under one token: begin once, a report per engine event, end once. vscode-jsonrpc
 * writes messages in the order they are sent, so `end` always precedes the job's answer. Without a token
 * nothing is sent. Percentages are forwarded as the contract says they come (whole job, never decreasing),
 * clamped so that a slip of an emitter can never move a client's bar backwards.
 */
export class JobProgress {
  private ended = false;
  private percentage = 0;

  constructor(
    private readonly connection: MessageConnection,
    private readonly token: ProgressToken | undefined,
  ) {}

  /**
   * Progress for work the client did not ask for (a watch rebuild): a token of the daemon's own, accepted by
   * the client through `window/workDoneProgress/create` when its `initialize` said it can. Otherwise, or when
   * the client refuses, a JobProgress that sends nothing.
   */
  static async create(connection: MessageConnection, clientSupports: boolean, token: string): Promise<JobProgress> {
    if (!clientSupports) return new JobProgress(connection, undefined);
    // A client that does not answer within a few seconds gets its rebuild without progress, not never.
    const accepted = await Promise.race([
      connection.sendRequest(WorkDoneProgressCreateRequest.type, { token }).then(
        () => true,
        () => false,
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), CREATE_TIMEOUT_MS).unref()),
    ]);
    return new JobProgress(connection, accepted ? token : undefined);
  }

  private send(value: WorkDoneProgressValue): void {
    if (this.token === undefined || this.ended) return;
    // A client that hung up cannot be told anything; its job is being cancelled anyway.
    this.connection.sendProgress(WorkDoneProgress.type, this.token, value).catch(() => undefined);
  }

  begin(title: string, message: string): void {
    this.send({ kind: 'begin', title, cancellable: true, message, percentage: 0 });
  }

  report(event: ProgressEvent): void {
    this.percentage = Math.min(100, Math.max(this.percentage, Math.round(event.percentage)));
    const { detail: _detail, ...fields } = event;
    this.send({ kind: 'report', ...fields, percentage: this.percentage, message: progressText(event) });
  }

  end(message: string): void {
    this.send({ kind: 'end', message });
    this.ended = true;
  }
}
