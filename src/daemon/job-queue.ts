import type { JobStatus } from '../protocol/status.js';
import { cancelledError } from './response-error.js';

interface Job {
  id: number;
  kind: JobStatus['kind'];
  client: string;
  state: JobStatus['state'];
  submittedAt: number;
  startedAt?: number;
  controller: AbortController;
  run: (signal: AbortSignal) => Promise<unknown>;
  /** Settles when the engine call has returned, whatever the caller was told. */
  finished?: Promise<void>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface QueueCounts {
  queued: number;
  running: number;
  maxConcurrentJobs: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface SubmittedJob<T> {
  id: number;
  result: Promise<T>;
  /** Whether the job had to wait for a slot when it was submitted. */
  waiting: boolean;
  cancel(): void;
}

/**
 * Runs at most `maxConcurrent` jobs; waiting jobs are taken round-robin across clients, so one client's
 * burst of requests cannot starve another client.
 *
 * A cancelled job answers at once; a running one keeps its slot until the engine has really stopped (its
 * worker terminated), so cancelling never lets more jobs run than the pools were sized for.
 */
export class FairJobQueue {
  private nextId = 1;
  private readonly waiting = new Map<string, Job[]>();
  /** Clients in the order they get their next turn. */
  private readonly turns: string[] = [];
  private readonly running = new Set<Job>();
  private completed = 0;
  private failed = 0;
  private cancelled = 0;

  constructor(readonly maxConcurrent: number) {}

  submit<T>(client: string, kind: Job['kind'], run: (signal: AbortSignal) => Promise<T>): SubmittedJob<T> {
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const job: Job = { id: this.nextId++, kind, client, state: 'queued', submittedAt: Date.now(), controller: new AbortController(), run, resolve, reject };
    const queue = this.waiting.get(client) ?? [];
    if (queue.length === 0) {
      this.waiting.set(client, queue);
      if (!this.turns.includes(client)) this.turns.push(client);
    }
    queue.push(job);
    const waiting = this.running.size >= this.maxConcurrent;
    this.pump();
    return { id: job.id, result: result as Promise<T>, waiting, cancel: () => this.cancel(job) };
  }

  /** Cancels every job of a client that went away. */
  cancelClient(client: string): void {
    for (const job of [...(this.waiting.get(client) ?? []), ...this.running]) {
      if (job.client === client) this.cancel(job);
    }
  }

  cancelAll(): void {
    for (const client of [...this.waiting.keys(), ...[...this.running].map((job) => job.client)]) this.cancelClient(client);
  }

  /** Resolves when no job is running any more (after cancelAll, when every engine call has returned). */
  async drained(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running].map((job) => job.finished));
  }

  private cancel(job: Job): void {
    if (job.state === 'cancelling') return;
    if (job.state === 'queued') {
      const queue = this.waiting.get(job.client) ?? [];
      queue.splice(queue.indexOf(job), 1);
    } else {
      job.state = 'cancelling';
      job.controller.abort();
    }
    this.cancelled++;
    job.reject(cancelledError());
  }

  private pump(): void {
    while (this.running.size < this.maxConcurrent) {
      const job = this.takeNext();
      if (!job) return;
      this.start(job);
    }
  }

  private takeNext(): Job | undefined {
    while (this.turns.length > 0) {
      const client = this.turns.shift()!;
      const queue = this.waiting.get(client);
      const job = queue?.shift();
      if (queue && queue.length > 0) this.turns.push(client);
      else this.waiting.delete(client);
      if (job) return job;
    }
    return undefined;
  }

  private start(job: Job): void {
    job.state = 'running';
    job.startedAt = Date.now();
    this.running.add(job);
    const settle = (outcome: () => void) => {
      this.running.delete(job);
      if (job.state !== 'cancelling') outcome();
      this.pump();
    };
    job.finished = Promise.resolve()
      .then(() => job.run(job.controller.signal))
      .then(
      (value) =>
        settle(() => {
          this.completed++;
          job.resolve(value);
        }),
      (error: unknown) =>
        settle(() => {
          this.failed++;
          job.reject(error);
        }),
    );
  }

  counts(): QueueCounts {
    let queued = 0;
    for (const queue of this.waiting.values()) queued += queue.length;
    return {
      queued,
      running: this.running.size,
      maxConcurrentJobs: this.maxConcurrent,
      completed: this.completed,
      failed: this.failed,
      cancelled: this.cancelled,
    };
  }

  jobs(): JobStatus[] {
    const now = Date.now();
    const all = [...this.running, ...[...this.waiting.values()].flat()];
    return all.map((job) => ({ id: job.id, kind: job.kind, client: job.client, state: job.state, elapsedMs: now - (job.startedAt ?? job.submittedAt) }));
  }
}
