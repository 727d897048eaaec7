import * as vscode from 'vscode';
import type { WorkDoneProgressValue } from '../../../src/protocol/index.js';
import type { RequestOptions } from './daemon-process.js';
import { ProgressIncrements } from './progress.js';

/**
 * Runs one daemon request under a cancellable notification: `$/progress` drives the bar, the Cancel button
 * cancels the token, which vscode-jsonrpc turns into `$/cancelRequest`.
 */
export function withDaemonProgress<T>(title: string, work: (options: Required<RequestOptions>) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const increments = new ProgressIncrements();
    const onProgress = (value: WorkDoneProgressValue) => progress.report(increments.step(value));
    return work({ token, onProgress });
  });
}

/**
 * Progress of work the daemon started by itself (watch rebuilds): one window progress item per token, from
 * its `begin` (titled by it) to its `end`. Not cancellable: a rebuild is stopped by stopping the watch.
 */
export function daemonInitiatedProgress(): (token: string | number, value: WorkDoneProgressValue) => void {
  const open = new Map<string | number, { report(value: WorkDoneProgressValue): void; end(): void }>();
  return (token, value) => {
    if (value.kind === 'begin') {
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: value.title }, (progress) =>
        new Promise<void>((end) => {
          const increments = new ProgressIncrements();
          open.set(token, { report: (next) => progress.report(increments.step(next)), end });
        }),
      );
    }
    open.get(token)?.report(value);
    if (value.kind === 'end') {
      open.get(token)?.end();
      open.delete(token);
    }
  };
}
