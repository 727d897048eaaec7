import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { FunctionVerdict, Verdict, VerifyReport } from '../protocol/report.js';
import { unwrapWorkerResult } from '../util/worker-errors.js';
import { workerPath } from '../util/worker-path.js';
import type { IrModule } from '../wasm/ir.js';
import {
  POISONED,
  POISONED_EXIT_CODE,
  type AssembleResult,
  type AssembleTask,
  type BinaryenTask,
  type EvaluateResult,
  type EvaluateTask,
  type IngestResult,
  type IngestTask,
  type MosaicResult,
  type MosaicTask,
  type VerifyModulesTask,
} from './binaryen-tasks.js';
import { serveWorkerServices, type WorkerServices } from './services.js';

/** `atoll verify` of a pair as callers ask for it: the services its checks use instead of the port. */
export type VerifyRequest = Omit<VerifyModulesTask, 'kind' | 'port' | 'settled'> & {
  services: WorkerServices;
  onProgress?: (done: number, total: number) => void;
};

export interface BinaryenPoolOptions {
  /** Worker threads; default: available cores. */
  threads?: number;
  /** Heap limit per worker in MB (piscina resourceLimits); a worker over it is ended and replaced. */
  maxHeapMb?: number;
}

/**
 * Warm binaryen worker threads. Workers load binaryen once at start and stay (idleTimeout Infinity); a worker
 * whose binaryen aborted exits by itself and piscina starts a replacement.
 */
export class BinaryenPool {
  readonly threads: number;
  private readonly piscina: Piscina;

  constructor(options: BinaryenPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.piscina = new Piscina({
      filename: workerPath(import.meta.url, './binaryen-worker.js'),
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Infinity,
      // One task per thread at a time: binaryen's options are global to the thread.
      concurrentTasksPerWorker: 1,
      // Idle workers must run their event loop: a thread whose binaryen aborted exits from a timer.
      atomics: 'disabled',
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 2048 },
    });
    // A thread that ends with no task of its own to fail (over its heap limit, an abort) is reported as an
    // 'error' event; unheard, that event would end the process. piscina replaces the thread either way.
    this.piscina.on('error', () => undefined);
  }

  /** One small task per thread so that the first real task does not pay the JIT tier-up. */
  async warmUp(): Promise<void> {
    await Promise.all(Array.from({ length: this.threads }, () => this.run({ kind: 'warmup' })));
  }

  ingest(task: Omit<IngestTask, 'kind'>, signal?: AbortSignal): Promise<IngestResult> {
    return this.run({ kind: 'ingest', ...task }, signal) as Promise<IngestResult>;
  }

  /** Never rejects for binaryen's own failures: a failed evaluation comes back as `ok: false`. */
  async evaluate(task: Omit<EvaluateTask, 'kind'>, signal?: AbortSignal): Promise<EvaluateResult> {
    const started = performance.now();
    try {
      return (await this.run({ kind: 'evaluate', ...task }, signal)) as EvaluateResult;
    } catch (error) {
      if (signal?.aborted) throw error;
      // The worker died (abort, out of memory): piscina rejects the task and replaces the thread.
      return {
        ok: false,
        error: `binaryen worker ended: ${error instanceof Error ? error.message : String(error)}`,
        aborted: true,
        ms: performance.now() - started,
      };
    }
  }

  mosaic(task: Omit<MosaicTask, 'kind'>, signal?: AbortSignal): Promise<MosaicResult> {
    return this.run({ kind: 'mosaic', ...task }, signal) as Promise<MosaicResult>;
  }

  /**
   * `atoll verify` of a pair on a worker (workers/verify-modules.ts). A worker that dies inside a check (over
   * its heap limit, or binaryen aborting) costs that check only: it comes back unknown with the reason, and
   * the others are checked by a fresh worker, which takes over the verdicts already reached. When several
   * checks were in flight, they are retried one at a time, so that the one that kills its worker is known.
   */
  async verifyModules(request: VerifyRequest, signal?: AbortSignal): Promise<VerifyReport> {
    const { services, onProgress, ...task } = request;
    const settled = new Map<string, FunctionVerdict>();
    let concurrency = task.concurrency;
    for (let attempt = 0; ; attempt++) {
      const inFlight = new Set<string>();
      let planned = 0;
      const served = serveWorkerServices({
        ...services,
        checked: (event) => {
          if (event.kind === 'planned') planned = event.names.length;
          else if (event.kind === 'started') inFlight.add(event.name);
          else {
            inFlight.delete(event.verdict.name);
            settled.set(event.verdict.name, event.verdict);
            onProgress?.(event.done, event.total);
          }
        },
      });
      try {
        const run: VerifyModulesTask = { kind: 'verify-modules', ...task, concurrency, settled: [...settled.values()], port: served.port };
        const report = unwrapWorkerResult(await this.piscina.run(run, { transferList: [served.port], ...(signal ? { signal } : {}) })) as VerifyReport;
        // The last notifications travel on the port, the result on piscina's channel: either may come first.
        onProgress?.(report.functions.length, report.functions.length);
        return report;
      } catch (error) {
        if (signal?.aborted) throw error;
        // Notifications the worker sent before it died may still be on their way.
        await new Promise((resolve) => setTimeout(resolve, 20));
        const poisoned = isPoisoned(error) && inFlight.size === 0;
        if ((!poisoned && inFlight.size === 0) || attempt >= planned + 8) throw error;
        if (inFlight.size === 1) {
          const [name] = inFlight as unknown as [string];
          settled.set(name, { name, verdict: diedIn(error), cached: false, ms: 0 });
        } else if (inFlight.size > 1) {
          concurrency = 1;
        }
        if (poisoned) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** Math.min(attempt, 6)));
      } finally {
        served.close();
      }
    }
  }

  assemble(task: Omit<AssembleTask, 'kind'>, signal?: AbortSignal): Promise<AssembleResult> {
    return this.run({ kind: 'assemble', ...task }, signal) as Promise<AssembleResult>;
  }

  extractIr(bytes: Uint8Array, flags: number): Promise<IrModule> {
    return this.run({ kind: 'extract-ir', bytes, flags }) as Promise<IrModule>;
  }

  get stats(): { threads: number; queued: number; completed: number } {
    return { threads: this.piscina.threads.length, queued: this.piscina.queueSize, completed: this.piscina.completed };
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }

  /**
   * A thread whose binaryen aborted refuses work for the few milliseconds until it exits; a task that landed
   * there, or was caught in its exit, is sent again (the replacement thread takes it).
   */
  private async run(task: BinaryenTask, signal?: AbortSignal): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return unwrapWorkerResult(await this.piscina.run(task, signal ? { signal } : {}));
      } catch (error) {
        if (attempt >= 8 || !isPoisoned(error) || signal?.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }
}

/** The task landed on (or was caught in the exit of) a thread whose binaryen aborted earlier. */
function isPoisoned(error: unknown): boolean {
  return error instanceof Error && (error.message === POISONED || error.message.includes(`exited with code: ${POISONED_EXIT_CODE}`));
}

/** The verdict of a check its worker died in. */
function diedIn(error: unknown): Verdict {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory|memory limit/i.test(message)) {
    return { status: 'unknown', reason: 'out-of-memory', detail: `the check ran out of the memory a worker may use: ${message}` };
  }
  return { status: 'unknown', reason: 'encoder-fault', detail: `the worker checking it ended: ${message}` };
}
