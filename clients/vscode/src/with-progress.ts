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
