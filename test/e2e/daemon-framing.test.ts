import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusRequest } from '../../src/protocol/index.js';
import {
  initialized,
  SMALL_WASM,
  socketConnection,
  spawnDaemon,
  tempHome,
  waitForSocket,
  type DaemonProcess,
  type TempHome,
} from './daemon-harness.js';
import { frame, RawClient, request } from './raw-client.js';

/**
 * issue #12, "Unbounded input" (message buffers) and "Connections wedge silently": each test sends what the
 * probe sent, and expects an answer (or a close) where vscode-jsonrpc's reader gave none.
 */

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const MIB = 1024 * 1024;

let home: TempHome;
let daemon: DaemonProcess;

/** A client that only asks for status: it must be answered whatever the others send. */
async function statusStillAnswers(): Promise<void> {
  const client = await socketConnection(home.socket);
  try {
    await initialized(client.connection);
    expect((await client.connection.sendRequest(StatusRequest.type)).pid).toBe(daemon.child.pid);
  } finally {
    client.end();
  }
}

async function initializedRaw(): Promise<RawClient & { socket: import('node:net').Socket }> {
  const client = await RawClient.connect(home.socket);
  client.send(request(0, 'initialize', {}));
  expect((await client.response(0)).result).toBeDefined();
  return client;
}

async function messageBuffers(): Promise<number> {
  const client = await socketConnection(home.socket);
  try {
    await initialized(client.connection);
    return (await client.connection.sendRequest(StatusRequest.type)).memory.messageBuffers;
  } finally {
    client.end();
  }
}

beforeAll(async () => {
  home = await tempHome();
  // 8 MiB messages at most (so 16 MiB of buffers over all clients): small enough to fill in a test.
  daemon = spawnDaemon(home, ['--socket', home.socket, '--max-message-mb', '8', '--solver-threads', '1']);
  await waitForSocket(home.socket, daemon);
});

afterAll(async () => {
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  await home.cleanup();
});

describe('malformed bodies get an answer, and the connection goes on', () => {
  it('answers invalid JSON with -32700 (id null)', async () => {
    const client = await initializedRaw();
    client.send(frame('{"jsonrpc":"2.0","id":7,"method":'));
    const answer = await client.response(null);
    expect(answer.error?.code).toBe(PARSE_ERROR);
    client.send(request(8, 'atoll/status'));
    expect((await client.response(8)).result).toBeDefined();
    client.socket.destroy();
  });

  it('answers bytes that are not UTF-8 with -32700', async () => {
    const client = await initializedRaw();
    client.send(frame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])));
    expect((await client.response(null)).error?.code).toBe(PARSE_ERROR);
    client.socket.destroy();
  });

  it.each([
    ['an empty array', '[]', null],
    ['null', 'null', null],
    ['a number', '42', null],
    ['a batch', '[{"jsonrpc":"2.0","id":2,"method":"atoll/status"}]', null],
    ['a request with id null', '{"jsonrpc":"2.0","id":null,"method":"atoll/status"}', null],
    ['a method that is not a string', '{"jsonrpc":"2.0","id":3,"method":5}', 3],
    ['a message without "jsonrpc": "2.0"', '{"id":4,"method":"atoll/status"}', 4],
    ['params that are a string', '{"jsonrpc":"2.0","id":5,"method":"atoll/status","params":"x"}', 5],
    ['neither a request nor a response', '{"jsonrpc":"2.0","id":6}', 6],
  ])('answers %s with -32600', async (_label, body, id) => {
    const client = await initializedRaw();
    client.send(frame(body));
    const answer = await client.response(id);
    expect(answer.error?.code).toBe(INVALID_REQUEST);
    client.send(request(9, 'atoll/status'));
    expect((await client.response(9)).result).toBeDefined();
    client.socket.destroy();
  });

  it('answers a second request whose id is still in flight with -32600, and the first normally', async () => {
    const client = await initializedRaw();
    // A long job (many generations) holds id 1 in flight until it is cancelled.
    client.send(request(1, 'atoll/optimize', { input: { path: SMALL_WASM }, options: { generations: 400, islands: 1, verify: 'off' } }));
    client.send(request(1, 'atoll/status'));
    const second = await client.response(1);
    expect(second.error?.code).toBe(INVALID_REQUEST);
    expect(second.error?.message).toMatch(/not answered yet/);
    client.send(frame(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } })));
    expect((await client.response(1)).error?.code).toBe(-32800);
    // Answered: the id is free again.
    client.send(request(1, 'atoll/status'));
    expect((await client.response(1)).result).toBeDefined();
    client.socket.destroy();
  });
});

describe('a lost framing gets an answer (id null) and the connection is closed', () => {
  it.each([
    ['64 KiB of random bytes', randomBytes(64 * 1024).toString('latin1').replace(/\r\n\r\n/g, 'xxxx')],
    ['a header without Content-Length', 'Content-Type: application/json\r\n\r\n{}'],
    ['Content-Length: abc', 'Content-Length: abc\r\n\r\n{}'],
    ['Content-Length: -5', 'Content-Length: -5\r\n\r\n{}'],
    ['a header line without a colon', 'Content-Length 2\r\n\r\n{}'],
  ])('after %s', async (_label, bytes) => {
    const client = await RawClient.connect(home.socket);
    client.send(Buffer.from(bytes, 'latin1'));
    expect((await client.response(null)).error?.code).toBe(PARSE_ERROR);
    await client.whenClosed();
    await statusStillAnswers();
  });

  it('refuses a Content-Length over the limit at once, before a byte of the body is kept', async () => {
    const client = await RawClient.connect(home.socket);
    client.send('Content-Length: 2147483648\r\n\r\n{"jsonrpc":');
    const answer = await client.response(null);
    expect(answer.error?.code).toBe(INVALID_REQUEST);
    expect(answer.error?.message).toMatch(/larger than this daemon's limit of 8388608 bytes/);
    await client.whenClosed();
    expect(await messageBuffers()).toBe(0);
  });

  it('closes a connection whose message stalls (a Content-Length larger than the body)', async () => {
    const client = await initializedRaw();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'atoll/status' });
    client.send(`Content-Length: ${body.length + 10}\r\n\r\n${body}`);
    const answer = await client.response(null, 30_000);
    expect(answer.error?.code).toBe(PARSE_ERROR);
    expect(answer.error?.message).toMatch(/stalled: \d+ of the \d+ body bytes/);
    await client.whenClosed();
  }, 60_000);
});

describe('message buffers', () => {
  it('are freed when a client disconnects mid-message', async () => {
    const client = await RawClient.connect(home.socket);
    client.send(`Content-Length: ${7 * MIB}\r\n\r\n`);
    client.send(Buffer.alloc(6 * MIB, 0x20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await messageBuffers()).toBe(7 * MIB);
    client.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await messageBuffers()).toBe(0);
  });

  it('stay within the budget (twice the largest message) when many clients die mid-message', async () => {
    const clients = await Promise.all(Array.from({ length: 24 }, () => RawClient.connect(home.socket)));
    for (const client of clients) {
      client.send(`Content-Length: ${MIB}\r\n\r\n`);
      client.send(Buffer.alloc(MIB / 2, 0x20));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    // 16 MiB of budget: 16 clients are being received, the others were told to come back later.
    expect(await messageBuffers()).toBe(16 * MIB);
    const refused = clients.filter((c) => c.received.some((m) => m.error?.code === INVALID_REQUEST && /budget/.test(m.error.message)));
    expect(refused).toHaveLength(8);
    for (const client of clients) client.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await messageBuffers()).toBe(0);
    await statusStillAnswers();
  });
});

describe('over stdio', () => {
  it('answers invalid JSON and goes on', async () => {
    const stdio = spawnDaemon(home, ['--stdio', '--solver-threads', '1']);
    const client = new RawClient(stdio.child.stdin!, stdio.child.stdout!);
    client.send(frame('not json'));
    expect((await client.response(null)).error?.code).toBe(PARSE_ERROR);
    client.send(request(1, 'initialize', {}));
    expect((await client.response(1)).result).toBeDefined();
    stdio.child.stdin!.end();
    expect(await stdio.exited).toBe(0);
  });

  it('answers garbage that loses the framing, and exits 1 saying why instead of wedging', async () => {
    const stdio = spawnDaemon(home, ['--stdio', '--solver-threads', '1']);
    const client = new RawClient(stdio.child.stdin!, stdio.child.stdout!);
    client.send('Content-Length: abc\r\n\r\n');
    expect((await client.response(null)).error?.code).toBe(PARSE_ERROR);
    expect(await stdio.exited).toBe(1);
    expect(stdio.stderr()).toMatch(/stopping: stdin: malformed header: Content-Length must be a non-negative integer/);
  });
});
