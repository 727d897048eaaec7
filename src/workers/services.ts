import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { FunctionVerdict, Verdict } from '../protocol/report.js';
import type { ProofEvidence } from '../verify/cache-key.js';
import type { CheckServices } from '../verify/checker.js';
import type { SolverAnswer, SolverQuery } from '../verify/solver-task.js';

/**
 * What a binaryen worker's task may ask of the thread that sent it, while the task runs: z3 (through the
 * solver pool, which only that thread holds) and the proof cache (memory over disk, shared by every job).
 * A task that checks pass steps as it applies them keeps its module in the worker's binaryen heap and asks
 * for these over a MessagePort sent with the task, instead of returning to the pool between steps.
 */
export interface WorkerServices {
  solve(query: SolverQuery): Promise<SolverAnswer>;
  proofGet(key: string): Promise<Verdict | undefined>;
  /** One-way: how far the task has come (no reply, so a task never waits on it). */
  progress?(note: TaskProgress): void;
  /** `evidence` travels as data, made on the worker for the verdicts the cache keeps it for (proved ones). */
  proofSet(key: string, verdict: Verdict, evidence?: ProofEvidence): Promise<void>;
  /** One-way: the task gives up the claim its missed `proofGet` took (ProofCache.release). */
  proofRelease?(key: string): void;
  /** Called on the sending side when the task's port closes (the task settled, or its thread died). */
  settled?(): void;
  /** One-way (no reply, the task never waits on it): how a task that checks function pairs gets on. */
  checked?(event: CheckEvent): void;
}

/**
 * What a checking task tells while it runs: the functions it will check, each check as it starts and as it
 * ends. The sending side knows from these which check a worker was in when it died (e.g. out of memory).
 */
export type CheckEvent =
  | { kind: 'planned'; names: string[] }
  | { kind: 'started'; name: string }
  | { kind: 'checked'; verdict: FunctionVerdict; done: number; total: number };

/** A running task's position: passes of its pipeline, and the step checks of the current pass. */
export interface TaskProgress {
  /** Passes finished, of `passes` planned (the final emit counts as one). */
  passesDone: number;
  passes: number;
  /** Step checks finished in the current pass, of `steps`. */
  stepsDone: number;
  steps: number;
  /** What `steps` counts when it is not pass steps (a whole-jump verify counts function pairs). */
  unit?: string;
  /** The pass (or span of passes) whose steps are being checked. */
  pass?: string;
}

/** One-way messages: no reply, so a task never waits on them. */
type Notification = 'progress' | 'checked' | 'proofRelease' | 'settled';
type Method = Exclude<keyof WorkerServices, Notification>;

/** A call waits for its reply (`id`); a notification (id -1) has none. */
type Call =
  | { id: number; method: Method; args: unknown[] }
  | { id: -1; method: 'progress'; args: [TaskProgress] }
  | { id: -1; method: 'checked'; args: [CheckEvent] }
  | { id: -1; method: 'proofRelease'; args: [string] }
  | { id: -1; method: 'started'; args: [] };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

/**
 * The sending side: answers the calls arriving on a fresh port with `services`. Send `port` with the task
 * (in its transferList) and call `close()` when the task has settled.
 */
export function serveWorkerServices(services: WorkerServices): ServedPort {
  const { port1, port2 } = new MessageChannel();
  // Unset until the task's first message: a task waiting in the pool's queue behind long ones has said
  // nothing because it has not started, and must not be ended as stuck.
  let heard: number | undefined;
  let pending = 0;
  port1.on('message', (call: Call) => {
    heard = performance.now();
    if (call.method === 'started') return;
    if (call.method === 'progress') {
      services.progress?.(call.args[0] as TaskProgress);
      return;
    }
    if (call.method === 'checked') {
      services.checked?.(call.args[0] as CheckEvent);
      return;
    }
    if (call.method === 'proofRelease') {
      services.proofRelease?.(call.args[0] as string);
      return;
    }
    const run = services[call.method] as (...args: unknown[]) => Promise<unknown>;
    pending++;
    run.apply(services, call.args).then(
      (value) => port1.postMessage({ id: call.id, ok: true, value } satisfies Reply),
      (error: unknown) => port1.postMessage({ id: call.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies Reply),
    ).finally(() => {
      pending--;
      heard = performance.now();
    });
  });
  const close = () => {
    port1.close();
    services.settled?.();
  };
  return { port: port2, close, silentMs: () => (pending > 0 || heard === undefined ? 0 : performance.now() - heard) };
}

export interface ServedPort {
  port: MessagePort;
  close(): void;
  /**
   * How long the task has said nothing while nothing it asked for was pending: 0 before it started (its first
   * message, see workerServicesOver) and while this side works for it (a z3 query has its own time limit),
   * else the time since its last message. A task silent for long is stuck in its own thread (a pass, or a
   * replay that runs a loop forever).
   */
  silentMs(): number;
}

/**
 * The worker's side: the services behind `port`. Calls pending when the port closes are rejected. Made when
 * the task starts, it says so: the serving side counts the task's silence from then (serveWorkerServices).
 */
export function workerServicesOver(port: MessagePort): WorkerServices & { close(): void } {
  port.postMessage({ id: -1, method: 'started', args: [] } satisfies Call);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let next = 0;
  port.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new Error(reply.message));
  });
  port.on('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('the service port closed'));
    pending.clear();
  });
  const call = <T>(method: Method, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      port.postMessage({ id, method, args } satisfies Call);
    });
  return {
    solve: (query) => call<SolverAnswer>('solve', query),
    proofGet: (key) => call<Verdict | undefined>('proofGet', key),
    progress: (note) => port.postMessage({ id: -1, method: 'progress', args: [note] } satisfies Call),
    proofSet: (key, verdict, evidence) => call<void>('proofSet', key, verdict, evidence),
    checked: (event) => port.postMessage({ id: -1, method: 'checked', args: [event] } satisfies Call),
    proofRelease: (key) => port.postMessage({ id: -1, method: 'proofRelease', args: [key] } satisfies Call),
    close: () => port.close(),
  };
}

/** The checker's services inside a worker: z3 and the verdict store both live behind the port. */
export function checkServicesOver(services: WorkerServices, z3Version: string): CheckServices {
  return {
    solve: (query) => services.solve(query),
    verdicts: {
      get: (key) => services.proofGet(key),
      set: (key, verdict, evidence) => services.proofSet(key, verdict, verdict.status === 'proved' ? evidence?.() : undefined),
      release: (key) => services.proofRelease?.(key),
    },
    z3Version,
  };
}
