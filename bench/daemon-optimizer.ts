import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { daemonNodeOptions, DaemonStopRequest, InitializeRequest, OptimizeRequest, type OptimizeOptions } from '../src/protocol/index.js';
import type { AtollOptimizer } from './measure.js';

const DAEMON_MAIN = fileURLToPath(new URL('../src/daemon/main.js', import.meta.url));

interface Running {
  child: ChildProcess;
  connection: MessageConnection;
  socket: Socket;
  /** Rejects when the daemon goes away, with the end of what it wrote to stderr. */
  died: Promise<never>;
}

async function connectWhenUp(path: string, child: ChildProcess): Promise<Socket> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    const socket = await new Promise<Socket | undefined>((done) => {
      const candidate = connect(path);
      candidate.once('connect', () => done(candidate));
      candidate.once('error', () => done(undefined));
    });
    if (socket) return socket;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`the bench's daemon did not start on ${path}`);
}

/**
 * atoll as users run it: a daemon on a private socket and cache (started with the documented heap ceiling),
 * each module sent as one atoll/optimize request. A daemon that dies (out of memory) fails that module with
 * the end of its stderr, and the next module starts a fresh one.
 */
export class DaemonOptimizer implements AtollOptimizer {
  private running: Running | undefined;
  private readonly home = mkdtempSync(join(tmpdir(), 'atoll-bench-'));

  constructor(private readonly log: (line: string) => void) {}

  /** The daemon's pid (starting one if none runs), for its memory figures. */
  async pid(): Promise<number> {
    return (await this.daemon()).child.pid!;
  }

  async optimize(bytes: Uint8Array, options: OptimizeOptions) {
    const { connection, died } = await this.daemon();
    const result = await Promise.race([connection.sendRequest(OptimizeRequest.type, { input: { base64: Buffer.from(bytes).toString('base64') }, options }), died]);
    return { output: new Uint8Array(Buffer.from(result.outputBase64!, 'base64')), report: result.report };
  }

  async close(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (running && running.child.exitCode === null) {
      await running.connection.sendRequest(DaemonStopRequest.type).catch(() => undefined);
      await new Promise((resolve) => running.child.once('exit', resolve));
    }
    rmSync(this.home, { recursive: true, force: true });
  }

  private async daemon(): Promise<Running> {
    if (this.running) return this.running;
    const socketPath = join(this.home, 'run', 'daemon.sock');
    const child = spawn(process.execPath, [...daemonNodeOptions(), DAEMON_MAIN, '--socket', socketPath, '--cache-dir', join(this.home, 'cache')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-16 * 1024)));
    const died = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => {
        this.running = undefined;
        const tail = stderr.trimEnd().split('\n').slice(-8).join('\n');
        this.log(`  the daemon ended (${signal ?? `code ${code}`}):\n${tail}`);
        reject(new Error(`the daemon ended (${signal ?? `code ${code}`}): ${tail.split('\n').filter(Boolean).pop() ?? ''}`));
      }),
    );
    died.catch(() => undefined);
    const socket = await connectWhenUp(socketPath, child);
    const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    connection.listen();
    await connection.sendRequest(InitializeRequest.type, { clientInfo: { name: 'atoll-bench' } });
    this.running = { child, connection, socket, died };
    return this.running;
  }
}
