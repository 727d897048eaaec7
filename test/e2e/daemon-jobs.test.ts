import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import {
  ErrorCodes,
  OptimizeRequest,
  StatusRequest,
  VerifyRequest,
  WorkDoneProgress,
  type InitializeResult,
  type WorkDoneProgressValue,
} from '../../src/protocol/index.js';
import {
  errorOf,
  FAST,
  initialized,
  SMALL_WASM,
  socketConnection,
  spawnDaemon,
  stdioConnection,
  tempHome,
  waitForSocket,
  type DaemonProcess,
  type TempHome,
} from './daemon-harness.js';

let home: TempHome;
let daemon: DaemonProcess;
let client: MessageConnection;
let server: InitializeResult;
let input: Buffer;

beforeAll(async () => {
  home = await tempHome();
  input = await readFile(SMALL_WASM);
  daemon = spawnDaemon(home, []);
  await waitForSocket(home.socket, daemon);
  client = (await socketConnection(home.socket)).connection;
  server = await initialized(client);
});

afterAll(async () => {
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  await home.cleanup();
});

describe('optimize over the socket', () => {
  it('reads a path and writes the output path, a valid and smaller module', async () => {
    const outputPath = join(home.dir, 'out.wasm');
    const result = await client.sendRequest(OptimizeRequest.type, { input: { path: SMALL_WASM }, outputPath, options: FAST });
    expect(result.outputPath).toBe(outputPath);
    expect(result.outputBase64).toBeUndefined();
    const output = await readFile(outputPath);
    expect(WebAssembly.validate(output)).toBe(true);
    expect(output.length).toBe(result.report.output.bytes);
    expect(result.report.output.bytes).toBeLessThanOrEqual(input.length);
    expect(result.report.verifiedStatus).toBe('unverified');
  });

  it('takes base64 in and gives base64 out, byte-identical to a stdio daemon with the same seed', async () => {
    const viaSocket = await client.sendRequest(OptimizeRequest.type, { input: { base64: input.toString('base64') }, options: { ...FAST, seed: 7 } });
    const stdio = spawnDaemon(home, ['--stdio']);
    const connection = stdioConnection(stdio);
    await initialized(connection);
    const viaStdio = await connection.sendRequest(OptimizeRequest.type, { input: { base64: input.toString('base64') }, options: { ...FAST, seed: 7 } });
    stdio.child.stdin!.end();
    await stdio.exited;
    expect(viaSocket.outputBase64).toBeDefined();
    expect(viaStdio.outputBase64).toBe(viaSocket.outputBase64);
  });

  it('reports progress under the client token: begin, reports with rising percentage, end before the answer', async () => {
    const events: WorkDoneProgressValue[] = [];
    const subscription = client.onProgress(WorkDoneProgress.type, 'progress-1', (value) => events.push(value));
    // A seed no other test uses: a result-cache hit would skip the generations.
    await client.sendRequest(OptimizeRequest.type, { input: { path: SMALL_WASM }, options: { ...FAST, seed: 101 }, workDoneToken: 'progress-1' });
    subscription.dispose();
    expect(events[0]?.kind).toBe('begin');
    expect(events.at(-1)).toEqual({ kind: 'end', message: 'done' });
    const reports = events.slice(1, -1);
    expect(reports.length).toBeGreaterThanOrEqual(3);
    expect(reports.every((event) => event.kind === 'report')).toBe(true);
    const percentages = reports.map((event) => (event.kind === 'report' ? (event.percentage ?? 0) : 0));
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
    expect(reports.map((event) => event.kind === 'report' && event.phase)).toContain('generation');
  });

  it('cancels a running job with -32800 promptly and keeps serving', async () => {
    const cancellation = new CancellationTokenSource();
    let started = false;
    const subscription = client.onProgress(WorkDoneProgress.type, 'cancel-1', (value) => {
      if (value.kind === 'report' && value.phase === 'generation') started = true;
    });
    const request = client.sendRequest(
      OptimizeRequest.type,
      { input: { path: SMALL_WASM }, options: { ...FAST, generations: 500 }, workDoneToken: 'cancel-1' },
      cancellation.token,
    );
    while (!started) await new Promise((resolve) => setTimeout(resolve, 20));
    const cancelledAt = Date.now();
    cancellation.cancel();
    const error = await errorOf(request);
    const answeredIn = Date.now() - cancelledAt;
    subscription.dispose();
    expect(error.code).toBe(ErrorCodes.RequestCancelled);
    expect(answeredIn).toBeLessThan(5000);
    const status = await client.sendRequest(StatusRequest.type);
    expect(status.queue.cancelled).toBeGreaterThanOrEqual(1);
    // The daemon still optimizes after the cancelled job's worker was terminated.
    const after = await client.sendRequest(OptimizeRequest.type, { input: { path: SMALL_WASM }, options: FAST });
    expect(after.report.output.bytes).toBeGreaterThan(0);
  });

  it('serves 8 concurrent clients with interleaved jobs, each getting its own results', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => socketConnection(home.socket)));
    await Promise.all(clients.map(({ connection }) => initialized(connection)));
    const results = await Promise.all(
      clients.flatMap(({ connection }, index) =>
        [index * 2 + 1, index * 2 + 2].map(async (seed) => ({
          seed,
          result: await connection.sendRequest(OptimizeRequest.type, { input: { base64: input.toString('base64') }, options: { ...FAST, seed } }),
        })),
      ),
    );
    expect(results).toHaveLength(16);
    for (const { seed, result } of results) {
      expect(result.report.settings.seed).toBe(seed);
      expect(WebAssembly.validate(Buffer.from(result.outputBase64!, 'base64'))).toBe(true);
    }
    for (const { end } of clients) end();
    const status = await client.sendRequest(StatusRequest.type);
    expect(status.queue.running + status.queue.queued).toBe(0);
  });
});

describe('bad requests', () => {
  const cases: Array<[string, unknown, number]> = [
    ['no input', {}, ErrorCodes.InvalidParams],
    ['a relative path', { input: { path: 'x.wasm' } }, ErrorCodes.InvalidParams],
    ['both path and base64', { input: { path: '/x.wasm', base64: 'AA==' } }, ErrorCodes.InvalidParams],
    ['broken base64', { input: { base64: 'not base64!' } }, ErrorCodes.InvalidParams],
    ['a string where a number goes', { input: { base64: 'AA==' }, options: { islands: 'two' } }, ErrorCodes.InvalidParams],
    ['an unknown option', { input: { base64: 'AA==' }, options: { speed: 11 } }, ErrorCodes.InvalidParams],
    ['params that are not an object', ['a', 'b'], ErrorCodes.InvalidParams],
    ['bytes that are not wasm', { input: { base64: Buffer.from('hello, world').toString('base64') } }, ErrorCodes.NotWasm],
    ['a missing file', { input: { path: '/no/such/file.wasm' } }, ErrorCodes.FileNotFound],
    ['an option out of range', { input: { path: SMALL_WASM }, options: { islands: 0 } }, ErrorCodes.BadOption],
  ];

  it.each(cases)('answers %s with its documented error code', async (_label, params, code) => {
    const error = await errorOf(client.sendRequest(OptimizeRequest.method, params));
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
    expect((await client.sendRequest(StatusRequest.type)).pid).toBe(daemon.child.pid);
  });

  it('answers a truncated module with MalformedWasm or InvalidWasm and keeps serving', async () => {
    const truncated = input.subarray(0, Math.floor(input.length / 2));
    const error = await errorOf(client.sendRequest(OptimizeRequest.type, { input: { base64: truncated.toString('base64') } }));
    expect([ErrorCodes.MalformedWasm, ErrorCodes.InvalidWasm]).toContain(error.code);
    expect((await client.sendRequest(StatusRequest.type)).pid).toBe(daemon.child.pid);
  });

  it('answers an unknown method with MethodNotFound', async () => {
    expect((await errorOf(client.sendRequest('atoll/frobnicate', {}))).code).toBe(-32601);
  });
});

describe('verify', () => {
  it('verifies a module against itself: nothing changed, nothing refuted', async () => {
    expect(server.capabilities.verify).toBe(true);
    const report = await client.sendRequest(VerifyRequest.type, { base: { path: SMALL_WASM }, candidate: { path: SMALL_WASM } });
    expect(report.totals.changed).toBe(0);
    expect(report.totals.refuted).toBe(0);
    expect(report.module).toMatchObject({ accepted: true, differences: 0 });
  });

  it('answers a time per function or per query out of range with BadOption', async () => {
    for (const limit of [{ functionTimeMs: 5 }, { timeoutMs: 0 }]) {
      const error = await errorOf(client.sendRequest(VerifyRequest.method, { base: { path: SMALL_WASM }, candidate: { path: SMALL_WASM }, ...limit }));
      expect(error.code).toBe(ErrorCodes.BadOption);
      expect(error.message).toMatch(/must be an integer from/);
    }
  });
});
