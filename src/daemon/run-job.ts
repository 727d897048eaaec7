import type { JobStatus } from '../protocol/status.js';
import { MessageType, type ProgressToken } from '../protocol/progress.js';
import type { JobHooks } from './engine-port.js';
import { JobProgress } from './job-progress.js';
import { cancelledError } from './response-error.js';
import type { RequestContext } from './session.js';

/**
 * Queues one long job for the requesting client, forwards the engine's progress and logs to that client
 * only, and turns `$/cancelRequest` into an abort of the job's signal (the engine terminates a busy worker).
 */
export async function runJob<T>(
  context: RequestContext,
  kind: JobStatus['kind'],
  workDoneToken: ProgressToken | undefined,
  work: (hooks: JobHooks) => Promise<T>,
): Promise<T> {
  const { daemon, session, token } = context;
  if (token.isCancellationRequested) throw cancelledError();
  const progress = new JobProgress(session.connection, workDoneToken);
  const submittedAt = Date.now();
  const job = daemon.queue.submit(session.label, kind, async (signal) => {
    await daemon.ready;
    return work({
      signal,
      onProgress: (event) => progress.report(event),
      onLog: (line) => session.logToClient(MessageType.Log, line),
    });
  });
  progress.begin(`atoll ${kind}`, job.waiting ? 'queued behind other jobs' : 'started');
  const subscription = token.onCancellationRequested(() => job.cancel());
  try {
    const result = await job.result;
    progress.end('done');
    session.logToClient(MessageType.Info, `${kind} job ${job.id} finished in ${Date.now() - submittedAt} ms`);
    return result;
  } catch (error) {
    progress.end(token.isCancellationRequested ? 'cancelled' : `failed: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  } finally {
    subscription.dispose();
  }
}
