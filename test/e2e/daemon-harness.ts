import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createMessageConnection,
  SocketMessageReader,
  SocketMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { InitializedNotification, InitializeRequest } from '../../src/protocol/index.js';

/** Real daemons and real clients for end-to-end tests: the built daemon (npm run build) in a temp dir. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DAEMON_MAIN = join(ROOT, 'dist/src/daemon/main.js');
export const CLI_MAIN = join(ROOT, 'dist/clients/cli/main.js');
export const SMALL_WASM = join(ROOT, 'node_modules/@chainsafe/as-sha256/build/optimized.wasm');
export const FAST = { generations: 1, islands: 2, verify: 'off' } as const;

export interface TempHome {
  dir: string;
  cacheDir: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export async function tempHome(): Promise<TempHome> {
  const dir = await mkdtemp(join(tmpdir(), 'atoll-e2e-'));
  const cacheDir = join(dir, 'cache');
  // No idle warm-up in daemons the tests start (through the CLI too): see spawnDaemon.
  const env = { ...process.env, ATOLL_CACHE_DIR: cacheDir, XDG_RUNTIME_DIR: join(dir, 'runtime'), ATOLL_WARM_UP_JOBS: '0' };
  return { dir, cacheDir, socket: join(cacheDir, 'run', 'daemon.sock'), env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface DaemonProcess {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * A daemon of its own. Its idle warm-up is off (tempHome's ATOLL_WARM_UP_JOBS) unless `args` set it
 * (daemon-warm-up.test.ts does): the other tests are about behaviour, and warm-up jobs in the background would
 * only compete with them for the CPUs.
 */
export function spawnDaemon(home: TempHome, args: string[]): DaemonProcess {
  const child = spawn(process.execPath, [DAEMON_MAIN, '--island-threads', '2', ...args], { env: home.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

export function stdioConnection(daemon: DaemonProcess): MessageConnection {
  const connection = createMessageConnection(new StreamMessageReader(daemon.child.stdout!), new StreamMessageWriter(daemon.child.stdin!));
  connection.listen();
  return connection;
}

export async function waitForSocket(path: string, daemon?: DaemonProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(path);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no daemon answered on ${path}; stderr: ${daemon?.stderr() ?? ''}`);
}

/** The pid file is written just after the socket starts answering: wait until it names `pid`. */
export async function waitForPidFile(path: string, pid: number | undefined, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text === `${pid}\n` || Date.now() > deadline) return text.trim();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function socketConnection(path: string): Promise<{ connection: MessageConnection; end(): void }> {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  connection.listen();
  return {
    connection,
    end() {
      connection.dispose();
      socket.destroy();
    },
  };
}

export async function initialized(connection: MessageConnection) {
  const result = await connection.sendRequest(InitializeRequest.type, { clientInfo: { name: 'e2e' } });
  await connection.sendNotification(InitializedNotification.type, {});
  return result;
}

/** The JSON-RPC error a request answered with (fails the test if it succeeded). */
export async function errorOf(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; message: string };
  }
  throw new Error('the request succeeded, an error was expected');
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(home: TempHome, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { env: { ...home.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
