import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { workerPath } from '../util/worker-path.js';
import type { SolverAnswer, SolverTask } from './solver-task.js';

/** Warm z3 worker threads (one z3 instance each). A crashed worker answers `unknown`, never `unsat`. */
export class SolverPool {
  readonly threads: number;
  private readonly piscina: Piscina;
  private version: string | undefined;

  constructor(threads?: number) {
    this.threads = Math.max(1, threads ?? Math.max(1, availableParallelism() - 1));
    this.piscina = new Piscina({
      filename: workerPath(import.meta.url, './solver-worker.js'),
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
    });
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
    const limit = new AbortController();
    const timer = setTimeout(() => limit.abort(), 2 * task.timeoutMs + 1000);
    const abort = () => limit.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return (await this.piscina.run({ kind: 'check', ...task }, { signal: limit.signal })) as SolverAnswer;
    } catch (error) {
      if (signal?.aborted) throw error;
      if (limit.signal.aborted) return { status: 'unknown', reason: 'timeout (hard limit; the solver thread was replaced)' };
      return { status: 'unknown', reason: `solver-error: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
