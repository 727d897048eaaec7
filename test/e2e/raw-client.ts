import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Writable, Readable } from 'node:stream';

/** One JSON-RPC message the daemon sent, as parsed from its frame. */
export type Received = { id?: number | string | null; result?: unknown; error?: { code: number; message: string }; method?: string };

export function frame(body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`), bytes]);
}

export function request(id: number | string, method: string, params?: unknown): Buffer {
  return frame(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }));
}

/**
 * A client that writes bytes as they are (well-formed or not) and parses what the daemon answers: for the
 * tests of framing, where vscode-jsonrpc's own client would refuse to send the garbage.
 */
export class RawClient {
  readonly received: Received[] = [];
  closed = false;
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  constructor(
    private readonly output: Writable,
    input: Readable,
  ) {
    input.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end < 0) break;
        const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
        if (this.buffer.length < end + 4 + length) break;
        this.received.push(JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString()) as Received);
        this.buffer = this.buffer.subarray(end + 4 + length);
      }
      this.wake();
    });
    const onClose = () => {
      this.closed = true;
      this.wake();
    };
    input.on('close', onClose);
    input.on('end', onClose);
    input.on('error', onClose);
  }

  static async connect(path: string): Promise<RawClient & { socket: Socket }> {
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return Object.assign(new RawClient(socket, socket), { socket });
  }

  send(bytes: Buffer | string): void {
    this.output.write(bytes);
  }

  /** The first received message matching `match` (waits for it), or throws after `timeoutMs`. */
  async next(match: (message: Received) => boolean, timeoutMs = 20_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex(match);
      if (index >= 0) return this.received.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms; received ${JSON.stringify(this.received).slice(0, 500)}`);
      await this.wait(deadline - Date.now());
    }
  }

  /** Resolves once the daemon closed the connection; throws after `timeoutMs`. */
  async whenClosed(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`the connection is still open after ${timeoutMs} ms`);
      await this.wait(deadline - Date.now());
    }
  }

  /** The response to request `id` (an error for id null is matched with `id: null`). */
  response(id: number | string | null, timeoutMs?: number): Promise<Received> {
    return this.next((m) => m.method === undefined && m.id === id, timeoutMs);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/** Resident set size of a process, bytes (Linux /proc), or undefined once it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * Kills `pid` if its RSS passes `limitBytes`: what keeps a test of an unbounded-memory failure bounded when
 * the failure reproduces. Returns a function that stops watching and tells whether it had to kill.
 */
export function rssWatchdog(pid: number, limitBytes: number): () => boolean {
  let killed = false;
  const timer = setInterval(() => {
    const rss = rssOf(pid);
    if (rss !== undefined && rss > limitBytes) {
      killed = true;
      process.kill(pid, 'SIGKILL');
    }
  }, 50);
  return () => {
    clearInterval(timer);
    return killed;
  };
}
