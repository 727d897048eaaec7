import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import type { Socket } from 'node:net';
import { SocketMessageWriter, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { Caches } from '../cache/caches.js';
import { Engine } from '../engine/engine.js';
import { versions } from '../engine/versions.js';
import { defaultCacheDir, defaultSocketPath } from '../protocol/location.js';
import { Daemon, type DaemonLimits } from './daemon.js';
import { DEFAULT_MAX_INPUT_BYTES } from './module-io.js';
import { CannotServeSocket, listenOnSocket, refuseIfServed, type SocketListener } from './socket.js';
import { DEFAULT_MAX_HEADER_BYTES, DEFAULT_STALL_MS, guardedConnection, messageLimitFor } from './transport/connection.js';
import { MessageBudget, type FramingLimits } from './transport/framing.js';

const USAGE =
  'usage: atoll daemon [--stdio] [--socket PATH] [--cache-dir DIR] [--jobs N] [--island-threads N] [--solver-threads N] ' +
  '[--max-input-mb N] [--max-message-mb N] [--warm-up-jobs N]';

const MIB = 1024 * 1024;

/** Strict jobs on atoll's warm-up module a daemon runs before its first job (Daemon.warmUpWhileIdle). */
const DEFAULT_WARM_UP_JOBS = 4;

/** False once stderr is gone (the editor closed the pipe): logging must never be what keeps failing. */
let stderrOpen = true;
process.stderr.on('error', () => {
  stderrOpen = false;
});

function log(line: string): void {
  if (stderrOpen) process.stderr.write(`atoll daemon: ${line}\n`);
}

function integerOption(flag: string, text: string | undefined, least = 1): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) {
    log(`${flag} must be ${least === 0 ? 'a whole number' : 'a positive integer'}, got "${text}"\n${USAGE}`);
    process.exit(2);
  }
  return value;
}

/**
 * stdout belongs to the protocol in stdio mode: anything printed by a library on this thread goes to stderr.
 * (Worker threads that load binaryen patch their own console.)
 */
function keepStdoutForProtocol(): void {
  for (const name of ['log', 'info', 'debug'] as const) console[name] = (...args: unknown[]) => console.error(...args);
}

function refuseToStart(error: unknown): never {
  if (!(error instanceof CannotServeSocket)) throw error;
  log(error.message);
  process.exit(1);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stdio: { type: 'boolean', default: false },
      socket: { type: 'string' },
      'cache-dir': { type: 'string' },
      jobs: { type: 'string' },
      'island-threads': { type: 'string' },
      'solver-threads': { type: 'string' },
      'max-input-mb': { type: 'string' },
      'max-message-mb': { type: 'string' },
      'warm-up-jobs': { type: 'string' },
    },
    strict: true,
  });
  const maxInputBytes = (integerOption('--max-input-mb', values['max-input-mb'] ?? process.env['ATOLL_MAX_INPUT_MB']) ?? 0) * MIB || DEFAULT_MAX_INPUT_BYTES;
  const limits: DaemonLimits = {
    maxInputBytes,
    maxMessageBytes: (integerOption('--max-message-mb', values['max-message-mb']) ?? 0) * MIB || messageLimitFor(maxInputBytes),
  };
  const framing: FramingLimits = { maxMessageBytes: limits.maxMessageBytes, maxHeaderBytes: DEFAULT_MAX_HEADER_BYTES, stallMs: DEFAULT_STALL_MS };
  // Two largest messages at once over all clients: what framing buffers may hold in all (framing.ts).
  const budget = new MessageBudget(2 * limits.maxMessageBytes);
  keepStdoutForProtocol();
  // A bug in one request's code path is logged, never fatal: the daemon serves other clients.
  process.on('uncaughtException', (error) => log(`uncaught exception: ${error.stack ?? error.message}`));
  process.on('unhandledRejection', (reason) => log(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`));

  const socketPath = values.stdio ? undefined : (values.socket ?? defaultSocketPath(process.env, values['cache-dir']));
  if (socketPath) await refuseIfServed(socketPath).catch(refuseToStart);
  const cacheDir = values['cache-dir'] ?? defaultCacheDir();
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const caches = new Caches(cacheDir, {}, log);
  void caches.sweep().then(
    ({ staleTemps, modesFixed }) => {
      if (staleTemps + modesFixed > 0) log(`cache ${cacheDir}: removed ${staleTemps} temp files of killed writers, narrowed ${modesFixed} modes to 0700/0600`);
    },
    (error: unknown) => log(`cache sweep failed: ${String(error)}`),
  );
  const islandThreads = integerOption('--island-threads', values['island-threads']);
  // A variable, not a literal: the engine takes the caches once its config declares them (extra fields are
  // otherwise ignored), and type-checks them from then on.
  const solverThreads = integerOption('--solver-threads', values['solver-threads']);
  const engineConfig = {
    ...(islandThreads ? { islandThreads } : {}),
    ...(solverThreads ? { solverThreads } : {}),
    proofCache: caches.proofs,
    resultCache: caches.results,
    certificates: caches.certificates,
  };
  const engine = new Engine(engineConfig);
  let listener: SocketListener | undefined;

  const daemon = new Daemon({
    engine,
    caches,
    versions: versions(),
    maxConcurrentJobs: integerOption('--jobs', values.jobs) ?? 2,
    warmUpJobs: integerOption('--warm-up-jobs', values['warm-up-jobs'] ?? process.env['ATOLL_WARM_UP_JOBS'], 0) ?? DEFAULT_WARM_UP_JOBS,
    limits,
    messageBuffers: budget,
    transport: { stdio: values.stdio, ...(socketPath ? { socket: socketPath } : {}) },
    log,
    onStopped: (exitCode) => {
      void (listener?.close() ?? Promise.resolve()).finally(() => process.exit(exitCode));
    },
  });
  // Before the socket and pid file appear: a client that reads the pid file may signal at once.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void daemon.stop(signal));

  if (values.stdio) {
    const connection = guardedConnection(process.stdin, new StreamMessageWriter(process.stdout), {
      limits: framing,
      budget,
      // stdin cannot be re-synchronised or reopened: the editor gets the error and sees the daemon end.
      onFatal: (reason) => void daemon.stop(`stdin: ${reason}`, 1),
    });
    daemon.attach(connection, 'stdio', (exitCode) => void daemon.stop('exit notification', exitCode));
    // The editor went away: nothing more can arrive or be answered.
    process.stdin.on('close', () => void daemon.stop('stdin closed'));
    process.stdin.on('end', () => void daemon.stop('stdin closed'));
    // Started by a wrapper (`atoll daemon --stdio` runs this as a child): if the wrapper dies, so do we, so an
    // editor that restarts "the daemon" never leaves one behind. Orphans are re-parented, changing ppid.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void daemon.stop('parent process ended');
    }, 1000).unref();
  } else {
    const sockets = new Set<Socket>();
    try {
      listener = await listenOnSocket(socketPath!, (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', (error) => log(`client socket error: ${error.message}`));
        const connection = guardedConnection(socket, new SocketMessageWriter(socket), {
          limits: framing,
          budget,
          onFatal: (reason) => {
            log(`closing a client connection: ${reason}`);
            socket.end();
            setTimeout(() => socket.destroy(), 1000).unref();
          },
        });
        daemon.attach(connection, 'socket', () => socket.end());
      });
    } catch (error) {
      await engine.close();
      refuseToStart(error);
    }
    log(`listening on ${socketPath} (pid ${process.pid}, cache ${cacheDir}, heap limit ${Math.round(getHeapStatistics().heap_size_limit / MIB)} MiB)`);
  }
}

main().catch((error: unknown) => {
  log(`cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
