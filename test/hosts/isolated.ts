import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { workerPath } from '../../src/util/worker-path.js';
import { sha256Hex } from './host.js';
import { interceptCompilation } from './intercept.js';

/** A workload that does not finish in this time has hung (an optimizer bug can turn a loop infinite). */
export const HOST_TIMEOUT_MS = 120_000;

interface HostRequest {
  atollHostWorkload: string;
  bytes: Uint8Array;
}
type HostReply = { transcript: string } | { error: string };

/**
 * Runs a workload in a fresh worker thread: packages keep their instance in module-level state, so a
 * second run in the same context would reuse the first module. This file is also the worker's entry.
 */
export function runIsolated(workload: string, bytes: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const request: HostRequest = { atollHostWorkload: workload, bytes };
    const worker = new Worker(workerPath(import.meta.url, './isolated.js'), {
      workerData: request,
      stdout: true,
      stderr: true,
    });
    let stderr = '';
    worker.stdout.resume();
    worker.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`host ${workload} did not finish within ${HOST_TIMEOUT_MS} ms`))),
      HOST_TIMEOUT_MS,
    );
    worker.on('message', (reply: HostReply) =>
      finish(() =>
        'transcript' in reply ? resolve(reply.transcript) : reject(new Error(`host ${workload}: ${reply.error}`)),
      ),
    );
    worker.on('error', (error) => finish(() => reject(new Error(`host ${workload} crashed: ${error.message}`))));
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`host ${workload} exited with code ${code} without a result\n${stderr}`))),
    );
  });
}

async function serve(request: HostRequest): Promise<HostReply> {
  const { workloads } = await import('./index.js');
  const workload = workloads.find((w) => w.name === request.atollHostWorkload);
  if (!workload) return { error: `no workload named ${request.atollHostWorkload}` };
  const originalHash = sha256Hex(await workload.original());
  const givenHash = sha256Hex(request.bytes);
  try {
    const { result, compiled } = await interceptCompilation(
      (hash) => (hash === originalHash ? request.bytes : undefined),
      () => workload.transcript(request.bytes),
    );
    if (!compiled.includes(givenHash)) {
      return { error: `the workload never compiled the module it was given (sha256 ${givenHash})` };
    }
    return { transcript: result };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

if (!isMainThread && typeof (workerData as Partial<HostRequest> | null)?.atollHostWorkload === 'string') {
  void serve(workerData as HostRequest).then((reply) => parentPort!.postMessage(reply));
}
