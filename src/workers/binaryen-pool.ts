import { availableParallelism } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { FunctionVerdict, Verdict, VerifyReport } from '../protocol/report.js';
import { unwrapWorkerResult } from '../util/worker-errors.js';
import { workerPath } from '../util/worker-path.js';
import type { IrModule } from '../wasm/ir.js';
import { serveWorkerServices, type WorkerServices } from './services.js';
import {
  POISONED,
  POISONED_EXIT_CODE,
  type AssembleResult,
  type AssembleTask,
  type BinaryenTask,
  type EvaluateResult,
  type EvaluateTask,
  type IncrementalResult,
  type IncrementalTask,
  type IngestResult,
  type IngestTask,
  type StepChecks,
  type VerifyModulesTask,
  type CheckCertificateTask,
  type CertificateCheck,
} from './binaryen-tasks.js';

/** A checking task as callers ask for it: the services it uses instead of the port they travel through. */
export type WithServices<T extends { kind: string; port: MessagePort }> = Omit<T, 'kind' | 'port'> & { services: WorkerServices };

/** `atoll verify` of a pair as callers ask for it: the services its checks use instead of the port. */
export type VerifyRequest = Omit<WithServices<VerifyModulesTask>, 'settled'> & {
  onProgress?: (done: number, total: number) => void;
};

/** An evaluation as callers ask for it: with checks, the services its steps use instead of a port. */
export type EvaluateRequest = Omit<EvaluateTask, 'kind' | 'checks'> & {
  checks?: Omit<StepChecks, 'port'> & { services: WorkerServices };
};

export interface BinaryenPoolOptions {
  /** Worker threads; default: available cores. */
  threads?: number;
  /** Heap limit per worker in MB (piscina resourceLimits); a worker over it is ended and replaced. */
  maxHeapMb?: number;
  /**
   * A task with a service port that says nothing for this long while nothing it asked for is pending is
   * ended (its thread is replaced): the time bound on a pass or a counterexample replay that never returns.
   */
  silenceLimitMs?: number;
}

export const DEFAULT_SILENCE_LIMIT_MS = 120_000;

/**
 * Warm binaryen worker threads. Workers load binaryen once at start and stay (idleTimeout Infinity); a worker
 * whose binaryen aborted exits by itself and piscina starts a replacement.
 */
export class BinaryenPool {
  readonly threads: number;
  private readonly piscina: Piscina;
  private readonly silenceLimitMs: number;

  constructor(options: BinaryenPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.silenceLimitMs = options.silenceLimitMs ?? DEFAULT_SILENCE_LIMIT_MS;
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
  async evaluate(request: EvaluateRequest, signal?: AbortSignal): Promise<EvaluateResult> {
    const started = performance.now();
    const { checks, ...task } = request;
    try {
      if (!checks) return (await this.run({ kind: 'evaluate', ...task }, signal)) as EvaluateResult;
      const { services, ...limits } = checks;
      return (await this.withServices(services, signal, (port, bounded) =>
        this.piscina.run({ kind: 'evaluate', ...task, checks: { ...limits, port } } satisfies BinaryenTask, { signal: bounded, transferList: [port] }),
      )) as EvaluateResult;
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

  /** An incremental rebuild on a worker (workers/incremental.ts); a worker that dies comes back as `ok: false`. */
  async incremental(request: WithServices<IncrementalTask>, signal?: AbortSignal): Promise<IncrementalResult> {
    const { services, ...task } = request;
    try {
      return (await this.withServices(services, signal, (port, bounded) =>
        this.piscina.run({ kind: 'incremental', ...task, port } satisfies BinaryenTask, { signal: bounded, transferList: [port] }),
      )) as IncrementalResult;
    } catch (error) {
      if (signal?.aborted) throw error;
      return { ok: false, error: `binaryen worker ended: ${error instanceof Error ? error.message : String(error)}`, aborted: true };
    }
  }

  /** Re-checks a certificate on a worker (it replays binaryen passes and proves every kept step). */
  checkCertificate(request: WithServices<CheckCertificateTask>, signal?: AbortSignal): Promise<CertificateCheck> {
    const { services, ...task } = request;
    return this.withServices(services, signal, (port, bounded) =>
      this.piscina.run({ kind: 'check-certificate', ...task, port } satisfies BinaryenTask, { signal: bounded, transferList: [port] }),
    ) as Promise<CertificateCheck>;
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
      const observed: WorkerServices = {
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
      };
      try {
        const report = await this.withPort(observed, signal, (port, bounded) =>
          this.piscina.run({ kind: 'verify-modules', ...task, concurrency, settled: [...settled.values()], port } satisfies BinaryenTask, { signal: bounded, transferList: [port] }),
        ) as VerifyReport;
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
      }
    }
  }

  assemble(task: Omit<AssembleTask, 'kind'>, signal?: AbortSignal): Promise<AssembleResult> {
    return this.run({ kind: 'assemble', ...task }, signal) as Promise<AssembleResult>;
  }

  /** A module in the text format as binary, names kept. */
  parseText(text: string): Promise<Uint8Array> {
    return this.run({ kind: 'parse-text', text }) as Promise<Uint8Array>;
  }

  extractIr(bytes: Uint8Array, flags: number): Promise<IrModule> {
    return this.run({ kind: 'extract-ir', bytes, flags }) as Promise<IrModule>;
  }

  /** See workers/inlining-candidates.ts. */
  inliningCandidates(named: Uint8Array, flags: number): Promise<string[]> {
    return this.run({ kind: 'inlining-candidates', named, flags }) as Promise<string[]>;
  }

  get stats(): { threads: number; queued: number; completed: number } {
    return { threads: this.piscina.threads.length, queued: this.piscina.queueSize, completed: this.piscina.completed };
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }

  /**
   * Runs a task that talks to `services` over a fresh port, ending it (and its thread) when it falls silent
   * for longer than the silence limit (see BinaryenPoolOptions).
   */
  private async withServices<T>(
    services: WorkerServices,
    signal: AbortSignal | undefined,
    send: (port: MessagePort, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    // A port travels with one attempt only: each retry on a fresh thread gets a fresh port.
    return retryPoisoned(signal, () => this.withPort(services, signal, send));
  }

  private async withPort<T>(
    services: WorkerServices,
    signal: AbortSignal | undefined,
    send: (port: MessagePort, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const served = serveWorkerServices(services);
    const silence = new AbortController();
    const watch = setInterval(() => {
      if (served.silentMs() > this.silenceLimitMs) {
        silence.abort(new Error(`the task said nothing for ${Math.round(this.silenceLimitMs / 1000)} s (stuck in a pass or a replay); its thread was ended`));
      }
    }, Math.min(1000, this.silenceLimitMs));
    try {
      return unwrapWorkerResult(await send(served.port, signal ? AbortSignal.any([signal, silence.signal]) : silence.signal)) as T;
    } catch (error) {
      if (silence.signal.aborted && !signal?.aborted) throw silence.signal.reason;
      throw error;
    } finally {
      clearInterval(watch);
      served.close();
    }
  }

  private run(task: BinaryenTask, signal?: AbortSignal): Promise<unknown> {
    return retryPoisoned(signal, async () => unwrapWorkerResult(await this.piscina.run(task, signal ? { signal } : {})));
  }
}

/**
 * A thread whose binaryen aborted refuses work for the few milliseconds until it exits; a task that landed
 * there, or was caught in its exit, is sent again (the replacement thread takes it).
 */
async function retryPoisoned<T>(signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 8 || !isPoisoned(error) || signal?.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** tries));
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
