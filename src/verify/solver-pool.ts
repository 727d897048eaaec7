import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { workerPath } from '../util/worker-path.js';
import { SOLVER_ERROR, WALL_SAFETY, type SolverAnswer, type SolverReply, type SolverTask } from './solver-task.js';

const WORKER_LOST = Symbol('worker lost');
const outOfTime = (): SolverAnswer => ({ status: 'unknown', reason: 'timeout (the check\'s time ran out while the query waited for a solver thread)' });
/** Below this, what is left of a query's time (SolverTask.withinMs) is not worth sending it. */
const MIN_TIMEOUT_MS = 50;
/** How long past its deadline a query's z3 may run on before its thread is ended (SolverTask.withinMs). */
const DEADLINE_GRACE_MS = 100;

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
   * z3's own limits do not interrupt every phase (parsing, bit-blasting of large terms); past twice the
   * query's wall-clock cap the worker is ended (piscina replaces it) and the answer is a timeout.
   */
  async check(task: Omit<SolverTask, 'kind'>, signal?: AbortSignal): Promise<SolverAnswer> {
    const asked = performance.now();
    const answer = await this.checkOnce(task, asked, signal);
    // A task handed to a thread just as it was retired fails with it, and a z3 that failed says nothing about
    // the query: once more, on a fresh thread.
    const again = answer === WORKER_LOST || (answer.status === 'unknown' && answer.reason.startsWith(SOLVER_ERROR));
    if (!again) return answer;
    const retried = await this.checkOnce(task, asked, signal);
    return retried === WORKER_LOST ? { status: 'unknown', reason: `${SOLVER_ERROR}: the solver thread ended twice` } : retried;
  }

  private async checkOnce(task: Omit<SolverTask, 'kind'>, asked: number, signal?: AbortSignal): Promise<SolverAnswer | typeof WORKER_LOST> {
    if (!(await this.slot(signal, timeLeft(task, asked)))) return outOfTime();
    try {
      return await this.onThread(task, asked, signal);
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
  private async slot(signal?: AbortSignal, waitMs = Infinity): Promise<boolean> {
    if (this.running < this.threads) {
      this.running++;
      return true;
    }
    return new Promise<boolean>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = () => {
        this.waiting.splice(this.waiting.indexOf(turn), 1);
        signal?.removeEventListener('abort', abort);
        clearTimeout(timer);
      };
      const turn = () => {
        signal?.removeEventListener('abort', abort);
        clearTimeout(timer);
        this.running++;
        resolve(true);
      };
      const abort = () => {
        leave();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', abort, { once: true });
      if (waitMs !== Infinity) {
        timer = setTimeout(() => {
          leave();
          resolve(false);
        }, Math.max(0, waitMs));
      }
      this.waiting.push(turn);
    });
  }

  private async onThread(query: Omit<SolverTask, 'kind'>, asked: number, signal?: AbortSignal): Promise<SolverAnswer | typeof WORKER_LOST> {
    const { withinMs, ...task } = query;
    // A fresh thread takes about a second to load z3: a query with a deadline waits for it no longer than that.
    if (withinMs === undefined) await this.replaced;
    else await atMost(this.replaced, timeLeft(query, asked));
    task.wallMs ??= WALL_SAFETY * task.workMs;
    let hardLimit = 2 * task.wallMs + 1000;
    if (withinMs !== undefined) {
      const ms = timeLeft(query, asked);
      if (ms < MIN_TIMEOUT_MS) return outOfTime();
      task.wallMs = Math.min(task.wallMs, ms);
      // z3 does not stop at its timeout in every phase; past the deadline nothing waits for it.
      hardLimit = Math.min(hardLimit, ms + DEADLINE_GRACE_MS);
    }
    const limit = new AbortController();
    const timer = setTimeout(() => limit.abort(), hardLimit);
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

/** What is left of a query's time (SolverTask.withinMs) since it was asked; Infinity without one. */
function timeLeft(query: Omit<SolverTask, 'kind'>, asked: number): number {
  return query.withinMs === undefined ? Infinity : Math.round(query.withinMs - (performance.now() - asked));
}

/** Waits for `promise`, or for `ms`, whichever comes first. */
async function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  clearTimeout(timer);
}
