import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
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
} from './binaryen-tasks.js';

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
        const poisoned =
          error instanceof Error &&
          (error.message === POISONED || error.message.includes(`exited with code: ${POISONED_EXIT_CODE}`));
        if (attempt >= 8 || !poisoned || signal?.aborted) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }
}
