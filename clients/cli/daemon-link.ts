import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createMessageConnection,
  SocketMessageReader,
  SocketMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  daemonLogPath,
  daemonNodeOptions,
  defaultCacheDir,
  defaultSocketPath,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  ShutdownRequest,
  type InitializeResult,
} from '../../src/protocol/index.js';
import type { DaemonChoice } from './args.js';
import { CliFailure, ExitCode } from './exit-codes.js';

/** The daemon's entry point in the build output, beside this client's (dist/clients/cli → dist/src/daemon). */
export const DAEMON_MAIN = fileURLToPath(new URL('../../src/daemon/main.js', import.meta.url));

const START_TIMEOUT_MS = 30_000;

export interface DaemonLink {
  connection: MessageConnection;
  server: InitializeResult;
  /** Ends the session politely (shutdown, exit) and, for a private daemon, waits for it to stop. */
  close(): Promise<void>;
}

export function socketPathFor(choice: DaemonChoice): string {
  return choice.socket ?? defaultSocketPath(process.env, choice.cacheDir);
}

export function daemonArgs(choice: DaemonChoice): string[] {
  return [...(choice.cacheDir ? ['--cache-dir', choice.cacheDir] : [])];
}

/** node's arguments for a daemon process: the main thread's heap ceiling, the daemon's entry, its flags. */
export function daemonProcessArgs(transport: string[], choice: DaemonChoice): string[] {
  return [...daemonNodeOptions(), DAEMON_MAIN, ...transport, ...daemonArgs(choice)];
}

/** The last `count` lines of a file (read from its last 16 KiB), or undefined when there is no such file. */
export function lastLines(path: string, count: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 16 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8').trimEnd().split('\n').slice(-count).join('\n');
  } finally {
    closeSync(fd);
  }
}

/**
 * A killed process closes its sockets while it is still exiting: on a loaded machine the CLI saw the
 * connection close before the daemon's pid was gone (or a zombie), and said it had closed the connection.
 */
const VANISH_WAIT_MS = 1000;

/** Whether `pid` is gone now or within `ms` (polled). */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; isAlive(pid); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() >= until) return false;
  }
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A daemon killed a moment ago may be a zombie nobody reaped yet (Linux): gone all the same.
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

let vanished: CliFailure | undefined;
let vanishReported = false;

/** Why the daemon went away mid-command, if it did: main reports this in place of the failed request's error. */
export function daemonVanished(): CliFailure | undefined {
  if (vanished) vanishReported = true;
  return vanished;
}

/**
 * A daemon that goes away while this client waits on it (killed, out of memory) leaves the pending request
 * unanswered: vscode-jsonrpc rejects nothing on close, and node would end with code 13 ("unsettled top-level
 * await") and no word. Instead the connection is disposed, which fails the pending request, and the command
 * ends with what `explain` finds (the end of the daemon's log), exit 1 (daemonVanished). A command that waits
 * on no request (a watch) is ended here. Returns the function to call before a close this client asked for.
 */
function failIfDaemonVanishes(connection: MessageConnection, explain: () => Promise<string>): () => void {
  let expected = false;
  connection.onClose(() => {
    if (expected) return;
    void explain().then((text) => {
      vanished = new CliFailure(text, ExitCode.Error);
      connection.dispose();
      setTimeout(() => {
        if (vanishReported) return;
        process.stderr.write(`atoll: ${text}\n`);
        process.exit(ExitCode.Error);
      }, 1000).unref();
    });
  });
  return () => {
    expected = true;
  };
}

/** A connected socket, or undefined when nobody answers there. */
export function trySocket(path: string): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}

async function initialize(connection: MessageConnection): Promise<InitializeResult> {
  connection.listen();
  const server = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    clientInfo: { name: 'atoll-cli' },
    // Watch rebuilds report progress under tokens the daemon creates (commands/watch.ts accepts them).
    capabilities: { window: { workDoneProgress: true } },
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return server;
}

/** LSP's polite goodbye; a daemon that already went away needs none. */
async function endSession(connection: MessageConnection): Promise<void> {
  await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
  await connection.sendNotification(ExitNotification.type).catch(() => undefined);
}

function say(line: string): void {
  process.stderr.write(`atoll: ${line}\n`);
}

/** Starts a socket daemon detached from this process, its output going to a log file in the cache dir. */
export async function startBackgroundDaemon(choice: DaemonChoice, socketPath: string): Promise<Socket> {
  const logPath = daemonLogPath(choice.cacheDir ?? defaultCacheDir());
  mkdirSync(dirname(logPath), { recursive: true, mode: 0o700 });
  const log = openSync(logPath, 'a', 0o600);
  const child = spawn(process.execPath, daemonProcessArgs(['--socket', socketPath], choice), {
    detached: true,
    stdio: ['ignore', log, log],
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  say(`started a daemon in the background (pid ${child.pid}, socket ${socketPath}, log ${logPath})`);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const socket = await trySocket(socketPath);
    if (socket) return socket;
    if (exited !== undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tail = lastLines(logPath, 6) ?? '';
  throw new CliFailure(`the daemon did not start (see ${logPath}):\n${tail}`, ExitCode.Error);
}

export async function connectToSocket(choice: DaemonChoice, startIfNone: boolean): Promise<DaemonLink | undefined> {
  const socketPath = socketPathFor(choice);
  let socket = await trySocket(socketPath);
  if (!socket) {
    if (!startIfNone) return undefined;
    socket = await startBackgroundDaemon(choice, socketPath);
  }
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  let pid: number | undefined;
  const closing = failIfDaemonVanishes(connection, async () => {
    const logPath = daemonLogPath(choice.cacheDir ?? defaultCacheDir());
    const who = `the daemon${pid === undefined ? '' : ` (pid ${pid})`} on ${socketPath}`;
    const what = pid !== undefined && (await goneWithin(pid, VANISH_WAIT_MS)) ? `${who} has exited` : `${who} closed the connection`;
    const log = lastLines(logPath, 12);
    return log === undefined
      ? `${what} before it answered; it left no log at ${logPath} (a daemon started in the foreground logs to its terminal)`
      : `${what} before it answered; the last lines of its log ${logPath}:\n${log}`;
  });
  const server = await initialize(connection);
  pid = server.pid;
  return {
    connection,
    server,
    async close() {
      closing();
      await endSession(connection);
      connection.dispose();
      socket.end();
    },
  };
}

/**
 * --no-daemon: a daemon of our own over stdio, for this command only. Its stderr is kept and shown only if
 * it fails, so a successful run prints nothing of the daemon's housekeeping.
 */
export async function startPrivateDaemon(choice: DaemonChoice): Promise<DaemonLink> {
  const child: ChildProcess = spawn(process.execPath, daemonProcessArgs(['--stdio'], choice), {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-64 * 1024)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const closing = failIfDaemonVanishes(connection, async () => {
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    const how = child.exitCode !== null ? `exited with code ${child.exitCode}` : child.signalCode ? `was killed by ${child.signalCode}` : 'closed its output';
    return `the private daemon ${how} before it answered; the last lines it wrote:\n${stderr.trimEnd().split('\n').slice(-12).join('\n')}`;
  });
  // A daemon that cannot start (a bad flag, a cache it cannot use) ends here too, with its last words.
  const server = await initialize(connection);
  return {
    connection,
    server,
    async close() {
      closing();
      await endSession(connection);
      const code = await exited;
      connection.dispose();
      if (code !== 0) say(`the private daemon exited with code ${code}:\n${stderr.trim()}`);
    },
  };
}

/**
 * The daemon a command talks to: the one on the socket, else one started in the background for the next
 * commands too; `background: false` (read-only and housekeeping commands) never leaves a daemon behind and
 * uses a private one for this command when none runs.
 */
export async function openDaemon(choice: DaemonChoice, { background = true }: { background?: boolean } = {}): Promise<DaemonLink> {
  if (choice.noDaemon) return startPrivateDaemon(choice);
  return (await connectToSocket(choice, background)) ?? startPrivateDaemon(choice);
}
