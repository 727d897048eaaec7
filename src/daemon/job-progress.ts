import type { MessageConnection } from 'vscode-jsonrpc';
import { WorkDoneProgress, type ProgressToken, type WorkDoneProgressValue } from '../protocol/progress.js';
import type { ProgressEvent } from '../protocol/report.js';

/**
 * `$/progress` for one job under the client's token: begin once, a report per engine event, end once.
 * vscode-jsonrpc writes messages in the order they are sent, so `end` always precedes the job's answer.
 * A client that gave no token gets no progress.
 */
export class JobProgress {
  private ended = false;

  constructor(
    private readonly connection: MessageConnection,
    private readonly token: ProgressToken | undefined,
  ) {}

  private send(value: WorkDoneProgressValue): void {
    if (this.token === undefined || this.ended) return;
    // A client that hung up cannot be told anything; its job is being cancelled anyway.
    this.connection.sendProgress(WorkDoneProgress, this.token, value).catch(() => undefined);
  }

  begin(title: string, message: string): void {
    this.send({ kind: 'begin', title, cancellable: true, message, percentage: 0 });
  }

  report(event: ProgressEvent): void {
    this.send({ kind: 'report', message: event.message, phase: event.phase, ...(event.percentage === undefined ? {} : { percentage: event.percentage }) });
  }

  end(message: string): void {
    this.send({ kind: 'end', message });
    this.ended = true;
  }
}
