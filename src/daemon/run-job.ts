import type { CancellationToken } from 'vscode-jsonrpc';
import type { JobHooks } from '../engine/engine.js';
import { MessageType } from '../protocol/progress.js';
import type { JobStatus } from '../protocol/status.js';
import type { Daemon } from './daemon.js';
import type { JobProgress } from './job-progress.js';
import { cancelledError } from './response-error.js';
import type { Session } from './session.js';

/** One long job of one client: whose it is, how its progress goes out, and what cancels it. */
export interface JobRequest {
  daemon: Daemon;
  session: Session;
  kind: JobStatus['kind'];
  progress: JobProgress;
  /** The client's `$/cancelRequest`, or a watch that stops. */
  cancellation: CancellationToken;
  /** Put before the job's log lines to the client (a watch names the input). */
  logPrefix?: string;
  /** The progress title; default "atoll optimize" / "atoll verify". */
  title?: string;
}

/**
 * Queues one long job for its client on the fair queue, waits for the engine to be warm, forwards the
 * engine's progress and logs to that client only, and turns cancellation into an abort of the job's signal
 * (the engine terminates a busy worker).
 */
export async function runJob<T>(request: JobRequest, work: (hooks: JobHooks) => Promise<T>): Promise<T> {
  const { daemon, session, kind, progress, cancellation } = request;
  if (cancellation.isCancellationRequested) throw cancelledError();
  const submittedAt = Date.now();
  daemon.endWarmUp();
  const job = daemon.queue.submit(session.label, kind, async (signal) => {
    await daemon.ready;
    return work({
      signal,
      onProgress: (event) => progress.report(event),
      onLog: (line, level = 'warning') => session.logToClient(level === 'info' ? MessageType.Log : MessageType.Warning, `${request.logPrefix ?? ''}${line}`),
    });
  });
  progress.begin(request.title ?? `atoll ${kind}`, job.waiting ? 'queued behind other jobs' : 'started');
  const subscription = cancellation.onCancellationRequested(() => job.cancel());
  try {
    const result = await job.result;
    progress.end('done');
    session.logToClient(MessageType.Info, `${request.logPrefix ?? ''}${kind} job ${job.id} finished in ${Date.now() - submittedAt} ms`);
    return result;
  } catch (error) {
    progress.end(cancellation.isCancellationRequested ? 'cancelled' : `failed: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  } finally {
    subscription.dispose();
  }
}
