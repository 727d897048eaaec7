import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
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
  const child = spawn(process.execPath, [DAEMON_MAIN, '--socket', socketPath, ...daemonArgs(choice)], {
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
  const tail = readFileSync(logPath, 'utf8').split('\n').slice(-6).join('\n');
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
  const server = await initialize(connection);
  return {
    connection,
    server,
    async close() {
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
  const child: ChildProcess = spawn(process.execPath, [DAEMON_MAIN, '--stdio', ...daemonArgs(choice)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const server = await Promise.race([
    initialize(connection),
    exited.then((code) => {
      throw new CliFailure(`the private daemon exited (code ${code}) before it answered:\n${stderr.trim()}`, ExitCode.Error);
    }),
  ]);
  return {
    connection,
    server,
    async close() {
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
