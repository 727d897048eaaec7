import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CancellationToken,
  type MessageConnection,
  type RequestParam,
  type RequestType,
} from 'vscode-jsonrpc/node';
import {
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  ShutdownRequest,
  StatusRequest,
  WatchResultNotification,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
  type ClientInfo,
  type InitializeResult,
  type LogMessageParams,
  type ProgressToken,
  type StatusResult,
  type WatchResultParams,
  type WorkDoneProgressParams,
  type WorkDoneProgressValue,
} from '../../../src/protocol/index.js';
import { DEFAULT_RESTART_POLICY, RestartBudget, type RestartPolicy } from './restart-budget.js';
import type { DaemonCommand } from './settings.js';

export type DaemonState = 'stopped' | 'starting' | 'running' | 'restarting' | 'failed';

export interface DaemonEvents {
  /** A line the daemon wrote to stderr: its own log. */
  stderr?(line: string): void;
  logMessage?(params: LogMessageParams): void;
  watchResult?(params: WatchResultParams): void;
  state?(state: DaemonState, detail: string): void;
  /** A daemon that died was replaced and initialized again; whatever the old one held (watches) is gone. */
  restarted?(info: InitializeResult): void;
  /**
   * Progress of work the daemon started on its own (a watch rebuild), under a token it asked this client to
   * accept (window/workDoneProgress/create), from `begin` to `end`. Declaring this handler is what makes the
   * client announce `capabilities.window.workDoneProgress` in initialize.
   */
  serverProgress?(token: ProgressToken, value: WorkDoneProgressValue): void;
}

export interface DaemonProcessOptions {
  command: DaemonCommand;
  clientInfo: ClientInfo;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  events?: DaemonEvents;
  restart?: RestartPolicy;
  /** How long `initialize` may take before the daemon counts as hung. */
  initializeTimeoutMs?: number;
  /** How long stop() waits for the shutdown reply and the process exit before killing it. */
  stopTimeoutMs?: number;
}

export interface RequestOptions {
  /** Cancelling it sends `$/cancelRequest`; the daemon then answers RequestCancelled (-32800). */
  token?: CancellationToken;
  onProgress?: (value: WorkDoneProgressValue) => void;
}

interface Running {
  child: ChildProcess;
  connection: MessageConnection;
  info: InitializeResult;
  startedAt: number;
  /** Settles when the process is gone, with how it ended ("exited with code 0"). */
  exited: Promise<string>;
}

/**
 * The daemon as a child process over stdio: spawn, LSP lifecycle, requests with progress and cancellation,
 * restart with backoff when it dies, `shutdown` + `exit` on stop. Started lazily by the first request.
 * No `vscode` import: the extension and the tests drive the same code.
 */
export class DaemonProcess {
  private current: Promise<Running> | undefined;
  private running: Running | undefined;
  private stopping = false;
  private cancelPause: (() => void) | undefined;
  private nextProgressToken = 1;
  private readonly budget: RestartBudget;

  constructor(private readonly options: DaemonProcessOptions) {
    this.budget = new RestartBudget(options.restart ?? DEFAULT_RESTART_POLICY);
  }

  /** The pid of the daemon now serving requests, if one is up. */
  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  get serverInfo(): InitializeResult | undefined {
    return this.running?.info;
  }

  async start(): Promise<InitializeResult> {
    return (await this.connect()).info;
  }

  async request<P extends object, R>(type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R> {
    return send((await this.connect()).connection, type, params, token);
  }

  /** A long request (optimize, verify) that reports `$/progress` under a work-done token of its own. */
  async requestWithProgress<P extends WorkDoneProgressParams, R>(type: RequestType<P, R, void>, params: P, options: RequestOptions): Promise<R> {
    const { connection } = await this.connect();
    if (!options.onProgress) return send(connection, type, params, options.token);
    const workDoneToken = `atoll-progress-${this.nextProgressToken++}`;
    const subscription = connection.onProgress(WorkDoneProgress.type, workDoneToken, options.onProgress);
    try {
      return await send(connection, type, { ...params, workDoneToken }, options.token);
    } finally {
      subscription.dispose();
    }
  }

  async status(): Promise<StatusResult> {
    const { connection } = await this.connect();
    return connection.sendRequest(StatusRequest.type);
  }

  /** Ends the daemon cleanly (shutdown, then exit); kills it if it does not go within the stop timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelPause?.();
    await this.current?.catch(() => undefined);
    const running = this.running;
    this.running = undefined;
    this.current = undefined;
    const how = running ? `the atoll daemon (pid ${running.child.pid}) ${await this.shutDown(running)}` : 'it was not running';
    this.stopping = false;
    this.setState('stopped', how);
  }

  /** Stop whatever runs and start afresh with a full restart budget (the user's "restart" command). */
  async restart(): Promise<InitializeResult> {
    await this.stop();
    this.budget.reset();
    return this.start();
  }

  private connect(): Promise<Running> {
    if (this.stopping) return Promise.reject(new Error('the atoll daemon is stopping'));
    if (!this.current) {
      // A first start that fails is reported at once, not retried: the next request tries again.
      this.current = this.launch().catch((error: unknown) => {
        this.current = undefined;
        this.setState('stopped', errorText(error));
        throw error;
      });
    }
    return this.current;
  }

  private async launch(): Promise<Running> {
    const { command, args } = this.options.command;
    this.setState('starting', `${command} ${args.join(' ')}`);
    const child = spawn(command, args, { stdio: 'pipe', env: this.options.env ?? process.env, cwd: this.options.cwd, windowsHide: true });
    const exited = new Promise<string>((resolve) => {
      // After a successful spawn, 'error' is about signals or pipes; only 'exit' says the process is gone.
      child.on('error', (error) => child.pid === undefined && resolve(`could not be run (${error.message}); check atoll.daemonPath`));
      child.once('exit', (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    });
    // Writing to a daemon that just died fails with EPIPE; the exit is what gets reported.
    child.stdin.on('error', () => undefined);
    // The first lines a daemon prints when it cannot start say why (bad option, crash): keep them for the error.
    const firstLines: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (firstLines.length < 3 && line.trim() !== '') firstLines.push(line.trim());
      this.options.events?.stderr?.(line);
    });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    connection.onNotification(LogMessageNotification.type, (params) => this.options.events?.logMessage?.(params));
    connection.onNotification(WatchResultNotification.type, (params) => this.options.events?.watchResult?.(params));
    const serverProgress = this.options.events?.serverProgress;
    if (serverProgress) {
      connection.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
        const subscription = connection.onProgress(WorkDoneProgress.type, token, (value) => {
          if (value.kind === 'end') subscription.dispose();
          serverProgress(token, value);
        });
        return null;
      });
    }
    connection.listen();
    const startedAt = Date.now();
    let info: InitializeResult;
    try {
      info = await Promise.race([
        connection.sendRequest(InitializeRequest.type, {
          processId: process.pid,
          clientInfo: this.options.clientInfo,
          ...(serverProgress ? { capabilities: { window: { workDoneProgress: true } } } : {}),
        }),
        exited.then((how) => Promise.reject(new Error(`the atoll daemon (${command}) ${how} before answering initialize${saying(firstLines)}`))),
        rejectAfter(this.options.initializeTimeoutMs ?? 30_000, `the atoll daemon (${command}) did not answer initialize`),
      ]);
      await connection.sendNotification(InitializedNotification.type, {});
    } catch (error) {
      connection.dispose();
      child.kill('SIGKILL');
      throw error;
    }
    const running: Running = { child, connection, info, startedAt, exited };
    this.running = running;
    void exited.then((how) => this.onExit(running, how));
    this.setState('running', `pid ${child.pid}, atoll ${info.versions.atoll}, binaryen ${info.versions.binaryen}, z3 ${info.versions.z3}`);
    return running;
  }

  private onExit(running: Running, how: string): void {
    // Requests in flight on the dead connection fail now (PendingResponseRejected) instead of hanging.
    running.connection.dispose();
    // `atoll daemon` is a wrapper whose child shares these pipes: closing our ends lets an orphaned child see EOF.
    running.child.stdin?.destroy();
    running.child.stdout?.destroy();
    if (this.running !== running || this.stopping) return;
    this.running = undefined;
    const relaunch = this.relaunch(Date.now() - running.startedAt, `the atoll daemon (pid ${running.child.pid}) ${how}`);
    // Nobody may be waiting on it; a failure is reported through the state event.
    relaunch.catch(() => undefined);
    this.current = relaunch;
  }

  private async relaunch(uptimeMs: number, reason: string): Promise<Running> {
    let lastReason = reason;
    for (let delay = this.budget.nextDelay(uptimeMs); delay !== undefined; delay = this.budget.nextDelay(0)) {
      this.setState('restarting', `${lastReason}; restart ${this.budget.attempts} in ${delay} ms`);
      await this.pause(delay);
      if (this.stopping) throw new Error('the atoll daemon was stopped');
      try {
        const running = await this.launch();
        this.options.events?.restarted?.(running.info);
        return running;
      } catch (error) {
        lastReason = errorText(error);
      }
    }
    const failure = new Error(
      `the atoll daemon keeps failing (${lastReason}); gave up after ${this.budget.attempts} restarts. ` +
        'Check atoll.daemonPath and the atoll output channel, then run "atoll: Restart Daemon".',
    );
    this.setState('failed', failure.message);
    throw failure;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.cancelPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async shutDown({ child, connection, exited }: Running): Promise<string> {
    const timeoutMs = this.options.stopTimeoutMs ?? 10_000;
    try {
      // LSP order: the reply to shutdown first, then exit; the daemon exits 0 only in that order.
      await Promise.race([connection.sendRequest(ShutdownRequest.type), rejectAfter(timeoutMs, 'no reply to shutdown')]);
      await connection.sendNotification(ExitNotification.type);
    } catch {
      // A daemon that cannot answer is killed below.
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const how = await exited;
    clearTimeout(timer);
    connection.dispose();
    return how;
  }

  private setState(state: DaemonState, detail: string): void {
    this.options.events?.state?.(state, detail);
  }
}

function send<P extends object, R>(connection: MessageConnection, type: RequestType<P, R, void>, params: P, token: CancellationToken | undefined): Promise<R> {
  // RequestParam<P> is P for every object type; TypeScript cannot reduce the conditional type while P is generic.
  return connection.sendRequest(type, params as RequestParam<P>, token);
}

function rejectAfter(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms).unref());
}

function saying(lines: string[]): string {
  const text = lines.join(' | ');
  return text === '' ? '' : `: ${text.length > 500 ? `${text.slice(0, 500)}…` : text}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
