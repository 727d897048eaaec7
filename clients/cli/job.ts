import { CancellationTokenSource, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc/node';
import { ErrorCodes, LogMessageNotification, MessageType, WorkDoneProgress, type ProgressToken } from '../../src/protocol/index.js';
import type { DaemonChoice, OutputChoice } from './args.js';
import { openDaemon } from './daemon-link.js';
import { CliFailure, ExitCode } from './exit-codes.js';
import { ProgressView } from './progress-view.js';

/** A daemon's error answer as the CLI ends with it: its message, the exit code it means, its code. */
export function daemonFailure(error: unknown): unknown {
  const code = (error as { code?: number }).code;
  if (typeof code !== 'number') return error;
  const problem = (error as { data?: { problem?: string } }).data?.problem;
  // The daemon's sentence names the problem; the flag that lifts the check is the CLI's to name.
  const hint = problem === 'missing-folder' ? ' (--create-dirs creates it)' : problem === 'is-input' ? ' (--in-place replaces it)' : '';
  const message = `${(error as Error).message}${hint}`;
  if (code === ErrorCodes.RequestCancelled) return new CliFailure('cancelled', ExitCode.Cancelled, code);
  if (code === ErrorCodes.BadOption || code === ErrorCodes.InvalidParams) return new CliFailure(message, ExitCode.BadUsage, code);
  return new CliFailure(message, ExitCode.Error, code);
}

/**
 * Runs one long request against a daemon with progress shown, daemon logs on stderr, and Ctrl-C turned into
 * `$/cancelRequest` (a second Ctrl-C quits at once).
 */
export async function runDaemonJob<T>(
  choice: DaemonChoice,
  out: OutputChoice,
  send: (connection: MessageConnection, workDoneToken: ProgressToken, cancel: CancellationToken) => Promise<T>,
): Promise<T> {
  const link = await openDaemon(choice);
  const view = new ProgressView({ quiet: out.quiet });
  const workDoneToken = `atoll-cli-${process.pid}`;
  link.connection.onProgress(WorkDoneProgress.type, workDoneToken, (value) => view.update(value));
  // Errors and warnings from the daemon; its info lines (job timings) are for editors' output channels.
  link.connection.onNotification(LogMessageNotification.type, ({ type, message }) => {
    if (out.quiet || type > MessageType.Warning) return;
    view.clear();
    process.stderr.write(`atoll: ${message}\n`);
  });
  const cancellation = new CancellationTokenSource();
  const onInterrupt = () => {
    if (cancellation.token.isCancellationRequested) process.exit(ExitCode.Cancelled);
    view.clear();
    process.stderr.write('atoll: cancelling (Ctrl-C again to quit at once)\n');
    cancellation.cancel();
  };
  process.on('SIGINT', onInterrupt);
  try {
    return await send(link.connection, workDoneToken, cancellation.token);
  } catch (error) {
    throw daemonFailure(error);
  } finally {
    view.clear();
    process.off('SIGINT', onInterrupt);
    await link.close();
  }
}
