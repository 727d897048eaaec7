import { getHeapStatistics } from 'node:v8';
import type { MessageConnection } from 'vscode-jsonrpc';
import type { Caches } from '../cache/caches.js';
import type { Engine } from '../engine/engine.js';
import type { ComponentVersions, InitializeResult } from '../protocol/lifecycle.js';
import type { StatusResult, WarmUpStatus } from '../protocol/status.js';
import { FairJobQueue } from './job-queue.js';
import { Session } from './session.js';
import { WatchRegistry } from './watch/registry.js';

export interface DaemonLimits {
  /** Largest input module (a file or base64), bytes. */
  maxInputBytes: number;
  /** Largest JSON-RPC message body a client may send, bytes. */
  maxMessageBytes: number;
}

/** What the transports hold for messages being received (transport/framing.ts MessageBudget). */
export interface MessageBuffers {
  readonly inUse: number;
}

export interface DaemonConfig {
  engine: Engine;
  caches: Caches;
  versions: ComponentVersions;
  maxConcurrentJobs: number;
  limits: DaemonLimits;
  messageBuffers: MessageBuffers;
  transport: { stdio: boolean; socket?: string };
  /** Where daemon-level log lines go (stderr: stdout belongs to the protocol in stdio mode). */
  log: (line: string) => void;
  /** Called once, after stop() cleaned up, with the exit code the process should end with. */
  onStopped: (exitCode: number) => void;
  /** Warm-up jobs to run before the first job, once the daemon has been idle for WARM_UP_IDLE_MS; default 0. */
  warmUpJobs?: number;
}

/**
 * How long a new daemon waits for a first request before it warms up: a client that started the daemon for one
 * request (the CLI) has sent it by then, and never waits on a warm-up job.
 */
export const WARM_UP_IDLE_MS = 1000;

/**
 * One daemon: one warm engine, one job queue and the caches, shared by every connected client.
 * Sessions (one per connection) hold lifecycle state; jobs are attributed to the session that asked.
 */
export class Daemon {
  readonly queue: FairJobQueue;
  readonly watches = new WatchRegistry();
  readonly startedAt = Date.now();
  /** Settles when the engine's pools are warm; jobs wait for it, lifecycle and status do not. */
  readonly ready: Promise<void>;
  private readonly sessions = new Set<Session>();
  private nextClient = 1;
  private stopping: Promise<void> | undefined;
  private readonly warmUp: WarmUpStatus;
  /** Aborted by the first job or by stop(): the warm-up jobs end between two evaluations. */
  private readonly warmUpStop = new AbortController();
  private warming: Promise<void> = Promise.resolve();

  constructor(readonly config: DaemonConfig) {
    this.queue = new FairJobQueue(config.maxConcurrentJobs);
    this.ready = config.engine.warmUp();
    // Surfaced to each job that waits on it; not a reason for the daemon to die.
    this.ready.catch((error: unknown) => config.log(`engine warm-up failed: ${String(error)}`));
    const jobs = config.warmUpJobs ?? 0;
    this.warmUp = { jobs, done: 0, state: jobs > 0 ? 'waiting' : 'done' };
    if (jobs > 0) this.warming = this.ready.then(() => this.warmUpWhileIdle(jobs), () => undefined);
  }

  /**
   * Until a client asks for its first job, strict jobs on atoll's own warm-up module (Engine.warmUpJobs, which
   * says what they save), so that the first job an editor sends after starting the daemon does not pay V8's
   * compilation of the hot paths. They start only after WARM_UP_IDLE_MS without a job, and end at the first.
   */
  private async warmUpWhileIdle(jobs: number): Promise<void> {
    const stop = this.warmUpStop.signal;
    if (!stop.aborted) {
      await new Promise<void>((resolve) => {
        const idle = setTimeout(resolve, WARM_UP_IDLE_MS);
        stop.addEventListener('abort', () => {
          clearTimeout(idle);
          resolve();
        }, { once: true });
      });
    }
    if (stop.aborted) {
      this.warmUp.state = 'stopped';
      return;
    }
    this.warmUp.state = 'running';
    try {
      this.warmUp.done = await this.config.engine.warmUpJobs(jobs, stop, (done) => (this.warmUp.done = done));
      this.warmUp.state = this.warmUp.done === jobs ? 'done' : 'stopped';
    } catch (error) {
      this.warmUp.state = 'failed';
      this.config.log(`warm-up jobs failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** A client's job is coming: the warm-up jobs end (between two evaluations), for good. */
  endWarmUp(): void {
    this.warmUpStop.abort();
  }

  get engine(): Engine {
    return this.config.engine;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  attach(connection: MessageConnection, kind: 'stdio' | 'socket', closeTransport: (exitCode: number) => void): Session {
    const label = kind === 'stdio' ? 'stdio' : `socket#${this.nextClient++}`;
    const session = new Session(this, connection, label, kind, (exitCode) => {
      this.sessions.delete(session);
      void this.watches.stopClient(session);
      closeTransport(exitCode);
    });
    this.sessions.add(session);
    connection.onClose(() => {
      this.sessions.delete(session);
      void this.watches.stopClient(session);
      this.queue.cancelClient(label);
      // Messages read but not dispatched yet (a pipelined request can hold a whole module) go with it.
      connection.dispose();
    });
    connection.listen();
    return session;
  }

  serverInfo(transport: 'stdio' | 'socket'): InitializeResult {
    const pools = this.config.engine.status();
    return {
      serverInfo: { name: 'atoll', version: this.config.versions.atoll },
      versions: this.config.versions,
      pools: { islandThreads: pools.islandThreads, solverThreads: pools.solverThreads, maxConcurrentJobs: this.queue.maxConcurrent },
      capabilities: {
        optimize: true,
        verify: true,
        watch: true,
        cache: true,
        workDoneProgress: true,
        cancellation: true,
      },
      transport,
      pid: process.pid,
    };
  }

  async status(): Promise<StatusResult> {
    const pools = this.config.engine.status();
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const heapLimit = getHeapStatistics().heap_size_limit;
    return {
      pid: process.pid,
      uptimeMs: Date.now() - this.startedAt,
      versions: this.config.versions,
      transport: this.config.transport,
      clients: this.sessions.size,
      pools: { islandThreads: pools.islandThreads, solverThreads: pools.solverThreads, engineQueued: pools.queued },
      queue: this.queue.counts(),
      jobs: this.queue.jobs(),
      caches: await this.config.engine.cacheWritesSettled().then(() => this.config.caches.stats()),
      memory: { rss, heapTotal, heapUsed, external, arrayBuffers, heapLimit, messageBuffers: this.config.messageBuffers.inUse },
      limits: { ...this.config.limits },
      warmUp: { ...this.warmUp },
    };
  }

  /**
   * Cancels every job (their clients get -32800), waits for the engine to stop, closes every session, then
   * calls onStopped. Sessions close last so that pending replies, the stop request's own included, go out.
   */
  stop(reason: string, exitCode = 0): Promise<void> {
    this.stopping ??= (async () => {
      this.config.log(`stopping: ${reason}`);
      this.endWarmUp();
      await this.warming;
      await this.watches.stopAll();
      this.queue.cancelAll();
      await this.queue.drained();
      await this.config.engine.close().catch((error: unknown) => this.config.log(`engine close failed: ${String(error)}`));
      for (const session of [...this.sessions]) session.close(0);
      this.config.onStopped(exitCode);
    })();
    return this.stopping;
  }
}
