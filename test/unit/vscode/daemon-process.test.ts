import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DaemonProcess, type DaemonEvents, type DaemonState } from '../../../clients/vscode/src/daemon-process.js';
import { errorMessage } from '../../../clients/vscode/src/format.js';
import { optimizeParams } from '../../../clients/vscode/src/requests.js';
import { readSettings } from '../../../clients/vscode/src/settings.js';
import { ErrorCodes, OptimizeRequest, WatchStartRequest, WatchStopRequest, type WatchResultParams, type WorkDoneProgressValue } from '../../../src/protocol/index.js';
import { SMALL_WASM } from '../../e2e/daemon-harness.js';
import { daemonCommandLine, FAST, isAlive, workspace, type Workspace } from './real-daemon.js';

let ws: Workspace;
let daemon: DaemonProcess | undefined;

const fastSettings = (overrides: Record<string, unknown> = {}) =>
  readSettings({ get: <T>(key: string) => ({ 'optimize.islands': FAST.islands, 'optimize.generations': FAST.generations, 'optimize.verify': FAST.verify, ...overrides })[key] as T });

/** Records every state change. */
function recorder() {
  const states: Array<{ state: DaemonState; detail: string }> = [];
  const events: DaemonEvents = { state: (state, detail) => states.push({ state, detail }) };
  return { states, events };
}

function start(events: DaemonEvents, restart = { maxRestarts: 2, initialDelayMs: 50, maxDelayMs: 200, stableAfterMs: 60_000 }) {
  daemon = new DaemonProcess({ command: daemonCommandLine, clientInfo: { name: 'atoll-vscode-test' }, env: ws.env, events, restart });
  return daemon;
}

describe('one DaemonProcess session against the real daemon (atoll daemon --stdio)', () => {
  // One daemon for the whole session, as an editor keeps it: optimize, cancel, then shut down.
  const { events, states } = recorder();
  let session: DaemonProcess;
  let pid: number;
  let sessionWs: Workspace;
  beforeAll(async () => {
    sessionWs = await workspace();
    session = new DaemonProcess({ command: daemonCommandLine, clientInfo: { name: 'atoll-vscode-test' }, env: sessionWs.env, events });
    const info = await session.start();
    expect(info.serverInfo.name).toBe('atoll');
    expect(info.transport).toBe('stdio');
    pid = session.pid!;
  });
  afterAll(async () => {
    await session.stop();
    await sessionWs.cleanup();
  });

  it('optimizes demo.wasm into a valid, smaller module, with $/progress begin … end', async () => {
    const progress: WorkDoneProgressValue[] = [];
    const params = optimizeParams(sessionWs.demo, fastSettings());
    const result = await session.requestWithProgress(OptimizeRequest.type, params, { onProgress: (value) => progress.push(value) });

    expect(result.outputPath).toBe(`${sessionWs.dir}/demo.opt.wasm`);
    const input = await stat(sessionWs.demo);
    const output = await readFile(result.outputPath!);
    expect(WebAssembly.validate(output)).toBe(true);
    expect(output.length).toBe(result.report.output.bytes);
    expect(output.length).toBeLessThan(input.size);
    expect(progress[0]?.kind).toBe('begin');
    expect(progress.at(-1)?.kind).toBe('end');
    expect(progress.filter((value) => value.kind === 'report').length).toBeGreaterThan(0);
  });

  it('cancels a running optimize with $/cancelRequest and keeps serving', async () => {
    const source = new CancellationTokenSource();
    const params = optimizeParams(sessionWs.demo, fastSettings({ 'optimize.generations': 1000 }));
    const request = session.requestWithProgress(OptimizeRequest.type, params, {
      token: source.token,
      onProgress: (value) => value.kind === 'report' && source.cancel(),
    });
    const error = await request.then(() => undefined, (reason: unknown) => reason);
    expect(error).toBeInstanceOf(ResponseError);
    expect((error as ResponseError<unknown>).code).toBe(ErrorCodes.RequestCancelled);
    expect((await session.status()).queue.cancelled).toBe(1);
  });

  it('shuts down with shutdown + exit: the daemon exits with code 0', async () => {
    expect(isAlive(pid)).toBe(true);
    await session.stop();
    expect(isAlive(pid)).toBe(false);
    expect(states.at(-1)).toEqual({ state: 'stopped', detail: `the atoll daemon (pid ${pid}) exited with code 0` });
  });
});

describe('DaemonProcess restarts', () => {
  beforeEach(async () => {
    ws = await workspace();
  });
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    await ws.cleanup();
  });
  it('restarts a daemon that was killed: the request in flight fails clearly, the next one is served', async () => {
    const { events } = recorder();
    let restarts = 0;
    const restarted = new Promise<void>((resolve) => {
      events.restarted = () => {
        restarts++;
        resolve();
      };
    });
    const process_ = start(events);
    await process_.start();
    const firstPid = process_.pid!;

    const params = optimizeParams(ws.demo, fastSettings({ 'optimize.generations': 1000 }));
    const inFlight = process_.requestWithProgress(OptimizeRequest.type, params, {
      onProgress: (value) => value.kind === 'report' && isAlive(firstPid) && process.kill(firstPid, 'SIGKILL'),
    });
    const error = await inFlight.then(() => undefined, (reason: unknown) => reason);
    expect(errorMessage(error)).toMatch(/exited while working on this request/);

    await restarted;
    expect(restarts).toBe(1);
    expect(process_.pid).not.toBe(firstPid);
    expect(isAlive(firstPid)).toBe(false);
    const result = await process_.request(OptimizeRequest.type, optimizeParams(ws.demo, fastSettings()));
    expect(result.report.output.bytes).toBeLessThan(result.report.input.bytes);
  });

  it('gives up after the bounded number of restarts when the daemon keeps dying', async () => {
    const { events, states } = recorder();
    // Each daemon is killed as soon as it is up: two restarts are allowed, the third death is final.
    events.state = ((record) => (state: DaemonState, detail: string) => {
      record(state, detail);
      if (state === 'running') process.kill(daemon!.pid!, 'SIGKILL');
    })(events.state!);
    const process_ = start(events);
    await process_.start();
    await expect.poll(() => states.at(-1)?.state, { timeout: 60_000, interval: 100 }).toBe('failed');
    expect(states.filter(({ state }) => state === 'restarting').map(({ detail }) => detail.match(/restart (\d) in (\d+) ms/)?.slice(1))).toEqual([
      ['1', '50'],
      ['2', '100'],
    ]);
    await expect(process_.status()).rejects.toThrow(/keeps failing .*gave up after 2 restarts/);
    // The user's restart command starts afresh.
    events.state = () => undefined;
    expect((await process_.restart()).serverInfo.name).toBe('atoll');
  });

  it('reports a daemon path that cannot be run, and tries again on the next request', async () => {
    const { events, states } = recorder();
    daemon = new DaemonProcess({ command: { command: '/nonexistent/atoll', args: ['daemon', '--stdio'] }, clientInfo: { name: 'test' }, events });
    await expect(daemon.start()).rejects.toThrow(/could not be run \(spawn \/nonexistent\/atoll ENOENT\); check atoll.daemonPath/);
    expect(states.at(-1)?.state).toBe('stopped');
    await expect(daemon.start()).rejects.toThrow(/ENOENT/);
    expect(states.filter(({ state }) => state === 'starting')).toHaveLength(2);
  });

  it('takes the progress of a watch rebuild the daemon started, under a token it asked for, begin to end', async () => {
    const progress = new Map<string | number, WorkDoneProgressValue[]>();
    let built!: (result: WatchResultParams) => void;
    const rebuilt = new Promise<WatchResultParams>((resolve) => (built = resolve));
    const process_ = start({
      serverProgress: (token, value) => progress.set(token, [...(progress.get(token) ?? []), value]),
      watchResult: (result) => built(result),
    });
    const folder = join(ws.dir, 'watched');
    await mkdir(folder);
    const { watchId } = await process_.request(WatchStartRequest.type, { paths: [folder], options: { ...FAST, seed: 31 }, debounceMs: 50 });
    await copyFile(SMALL_WASM, join(folder, 'sha.wasm'));
    expect((await rebuilt).error).toBeUndefined();
    await process_.request(WatchStopRequest.type, { watchId });
    expect(progress.size).toBe(1);
    const [values] = [...progress.values()];
    expect(values![0]).toMatchObject({ kind: 'begin' });
    expect(values!.at(-1)?.kind).toBe('end');
  });
});
