import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { workerPath } from '../util/worker-path.js';
import { SOLVER_ERROR, type SolverAnswer, type SolverReply, type SolverTask } from './solver-task.js';

const WORKER_LOST = Symbol('worker lost');

/**
 * JavaScript heap of one solver thread, MiB (z3's own memory is its wasm heap, outside this limit). A thread
 * over it is ended by node and its query answered unknown (solver-error), never the daemon's death.
 */
export const SOLVER_HEAP_MB = 1024;

/** Warm z3 worker threads (one z3 instance each). A crashed worker answers `unknown`, never `unsat`. */
export class SolverPool {
  readonly threads: number;
  private readonly piscina: Piscina;
  private version: string | undefined;
  /** Settles when a thread replaced after a hard limit has loaded z3: its start-up is no query's time. */
  private replaced: Promise<unknown> = Promise.resolve();
  /** Threads being retired: a task that fails meanwhile may have been handed to one of them. */
  private retiring = 0;
  /** Checks handed to piscina and not answered yet: at most one per thread (see `slot`). */
  private running = 0;
  /** Checks waiting for a thread, first come first served. */
  private readonly waiting: Array<() => void> = [];

  constructor(threads?: number) {
    this.threads = Math.max(1, threads ?? Math.max(1, availableParallelism() - 1));
    this.piscina = new Piscina({
      filename: workerPath(import.meta.url, './solver-worker.js'),
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: SOLVER_HEAP_MB },
    });
    // As in the binaryen pool: a thread that ends between tasks must not end the process (piscina replaces it).
    this.piscina.on('error', () => undefined);
  }

  async warmUp(): Promise<void> {
    await Promise.all(Array.from({ length: this.threads }, () => this.piscina.run({ kind: 'warmup' })));
  }

  async z3Version(): Promise<string> {
    this.version ??= (await this.piscina.run({ kind: 'version' })) as string;
    return this.version;
  }

  /**
   * z3's own timeout does not interrupt every phase (parsing, bit-blasting of large terms); past twice the
   * timeout the worker is ended (piscina replaces it) and the answer is a timeout.
   */
  async check(task: Omit<SolverTask, 'kind'>, signal?: AbortSignal): Promise<SolverAnswer> {
    const answer = await this.checkOnce(task, signal);
    // A task handed to a thread just as it was retired fails with it, and a z3 that failed says nothing about
    // the query: once more, on a fresh thread.
    const again = answer === WORKER_LOST || (answer.status === 'unknown' && answer.reason.startsWith(SOLVER_ERROR));
    if (!again) return answer;
    const retried = await this.checkOnce(task, signal);
    return retried === WORKER_LOST ? { status: 'unknown', reason: `${SOLVER_ERROR}: the solver thread ended twice` } : retried;
  }

  private async checkOnce(task: Omit<SolverTask, 'kind'>, signal?: AbortSignal): Promise<SolverAnswer | typeof WORKER_LOST> {
    await this.slot(signal);
    try {
      return await this.onThread(task, signal);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /**
   * Waits until a thread is free, so that the hard limit below times z3 on the query: a check that waited in
   * piscina's queue behind others (a strict job has many in flight) ran into it without having started, and
   * its verdict was a timeout or not according to how busy the pool was (seen on the tree-sitter runtime).
   */
  private async slot(signal?: AbortSignal): Promise<void> {
    if (this.running < this.threads) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const turn = () => {
        signal?.removeEventListener('abort', abort);
        this.running++;
        resolve();
      };
      const abort = () => {
        this.waiting.splice(this.waiting.indexOf(turn), 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.waiting.push(turn);
    });
  }

  private async onThread(task: Omit<SolverTask, 'kind'>, signal?: AbortSignal): Promise<SolverAnswer | typeof WORKER_LOST> {
    await this.replaced;
    const limit = new AbortController();
    const timer = setTimeout(() => limit.abort(), 2 * task.timeoutMs + 1000);
    const abort = () => limit.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const reply = (await this.piscina.run({ kind: 'check', ...task }, { signal: limit.signal })) as SolverReply;
      if (reply.retireThread !== undefined) this.retire(reply.retireThread);
      return reply.answer;
    } catch (error) {
      if (signal?.aborted) throw error;
      if (limit.signal.aborted) {
        this.awaitReplacement();
        return { status: 'unknown', reason: 'timeout (hard limit; the solver thread was replaced)' };
      }
      if (this.retiring > 0) return WORKER_LOST;
      return { status: 'unknown', reason: `${SOLVER_ERROR}: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Ends a worker thread whose z3 timed out; piscina starts a fresh one in its place. */
  private retire(threadId: number): void {
    const worker = this.piscina.threads.find((w) => w.threadId === threadId);
    if (!worker) return;
    this.retiring++;
    const ended = worker.terminate().finally(() => setTimeout(() => this.retiring--, 1000));
    this.awaitReplacement(ended);
  }

  /**
   * The next check waits for a fresh thread with z3 loaded. After a retirement that is once the old thread has
   * ended: a warm-up sent earlier went to the thread being ended, answered at once, and the next check then
   * waited for the new thread's z3 to load inside its own time (and ran into the hard limit).
   */
  private awaitReplacement(ended: Promise<unknown> = Promise.resolve()): void {
    this.replaced = ended.catch(() => undefined).then(() => this.piscina.run({ kind: 'warmup' })).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
