import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InitializedNotification,
  InitializeRequest,
  WatchResultNotification,
  WatchStartRequest,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
  type WatchResultParams,
  type WorkDoneProgressValue,
} from '../../src/protocol/index.js';
import { FAST, SMALL_WASM, spawnDaemon, stdioConnection, tempHome, type DaemonProcess, type TempHome } from './daemon-harness.js';

let home: TempHome;
let daemon: DaemonProcess;
beforeAll(async () => {
  home = await tempHome();
  daemon = spawnDaemon(home, ['--stdio']);
});
afterAll(async () => {
  daemon.child.stdin!.end();
  await daemon.exited;
  await home.cleanup();
});

describe('watch rebuilds report progress to a client that can take it', () => {
  it('asks for a token with window/workDoneProgress/create, then sends begin, reports with a rising percentage, end', async () => {
    const connection = stdioConnection(daemon);
    const events = new Map<string | number, WorkDoneProgressValue[]>();
    connection.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      events.set(token, []);
      connection.onProgress(WorkDoneProgress.type, token, (value) => events.get(token)!.push(value));
      return null;
    });
    await connection.sendRequest(InitializeRequest.type, { clientInfo: { name: 'e2e' }, capabilities: { window: { workDoneProgress: true } } });
    await connection.sendNotification(InitializedNotification.type, {});
    const folder = join(home.dir, 'watched');
    await mkdir(folder);
    const built = new Promise<WatchResultParams>((resolve) => connection.onNotification(WatchResultNotification.type, resolve));
    await connection.sendRequest(WatchStartRequest.type, { paths: [folder], options: { ...FAST, seed: 31 }, debounceMs: 50 });
    await copyFile(SMALL_WASM, join(folder, 'sha.wasm'));
    const result = await built;
    expect(result.error).toBeUndefined();
    expect(events.size).toBe(1);
    const [values] = [...events.values()];
    expect(values![0]).toMatchObject({ kind: 'begin', title: `atoll rebuild ${join(folder, 'sha.wasm')}` });
    expect(values!.at(-1)).toEqual({ kind: 'end', message: 'done' });
    const percentages = values!.flatMap((value) => (value.kind === 'report' ? [value.percentage] : []));
    expect(percentages.length).toBeGreaterThanOrEqual(3);
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
    expect(percentages.at(-1)).toBe(100);
    connection.dispose();
  });
});
