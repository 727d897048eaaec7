import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import binaryen from 'binaryen';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { readFileSync } from 'node:fs';
import { WatchResultNotification, WatchStartRequest, WatchStopRequest, type WatchResultParams, type WatchStartParams } from '../../src/protocol/index.js';
import { initialized, ROOT, spawnDaemon, stdioConnection, type DaemonProcess, type TempHome } from './daemon-harness.js';

/** Options that keep a rebuild fast where verification is not the point. */
export const QUICK = { islands: 2, generations: 1, verify: 'off' } as const;
export const DEBOUNCE_MS = 100;

const DEMO_WAT = readFileSync(join(ROOT, 'examples/demo.wat'), 'utf8');

/**
 * examples/demo.wat with the constant of `scale` (x * 8) replaced: one function's body differs; with
 * `counterStart`, the initial value of its global too (a change outside function bodies).
 */
export function demoModule(scale = 8, counterStart = 0): Uint8Array {
  const text = DEMO_WAT.replace('(i32.mul (local.get $x) (i32.const 8))', `(i32.mul (local.get $x) (i32.const ${scale}))`)
    .replace('(global $counter (mut i32) (i32.const 0))', `(global $counter (mut i32) (i32.const ${counterStart}))`);
  const module = binaryen.parseText(text);
  try {
    binaryen.setDebugInfo(true);
    return module.emitBinary();
  } finally {
    binaryen.setDebugInfo(false);
    module.dispose();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One stdio daemon and the watch results it sends, in order: `results` the final ones (one per settled
 * content, as counted by the tests), `quick` the quick answers that come before some of them.
 */
export class WatchClient {
  readonly results: WatchResultParams[] = [];
  readonly quick: WatchResultParams[] = [];
  private constructor(
    readonly daemon: DaemonProcess,
    readonly connection: MessageConnection,
  ) {
    connection.onNotification(WatchResultNotification.type, (result) => (result.stage === 'quick' ? this.quick : this.results).push(result));
  }

  static async start(home: TempHome): Promise<WatchClient> {
    const daemon = spawnDaemon(home, ['--stdio']);
    const connection = stdioConnection(daemon);
    await initialized(connection);
    return new WatchClient(daemon, connection);
  }

  private readonly active = new Set<string>();

  async watch(params: WatchStartParams) {
    const started = await this.connection.sendRequest(WatchStartRequest.type, { debounceMs: DEBOUNCE_MS, options: QUICK, ...params });
    this.active.add(started.watchId);
    return started;
  }

  unwatch(watchId: string) {
    this.active.delete(watchId);
    return this.connection.sendRequest(WatchStopRequest.type, { watchId });
  }

  /** Stops every watch this client started, so that nothing one test started reports into the next. */
  async unwatchAll(): Promise<void> {
    for (const watchId of [...this.active]) await this.unwatch(watchId);
    this.results.length = 0;
    this.quick.length = 0;
  }

  /** Waits until `count` results in all have arrived (fails after the timeout, naming what did arrive). */
  async waitForResults(count: number, timeoutMs = 60_000): Promise<WatchResultParams[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.results.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} watch results, got ${JSON.stringify(this.results.map((r) => [r.cause, r.path, r.error]))}`);
      await sleep(25);
    }
    return this.results.slice(0, count);
  }

  /** Expects no further result for this long (a rebuild would have been reported within it). */
  async quietFor(ms: number, expected: number): Promise<void> {
    await sleep(ms);
    if (this.results.length !== expected) throw new Error(`expected ${expected} watch results, got ${JSON.stringify(this.results.map((r) => [r.cause, r.path, r.error]))}`);
  }

  async close(): Promise<number | null> {
    this.daemon.child.stdin!.end();
    return this.daemon.exited;
  }
}

export async function folderIn(home: TempHome, name: string): Promise<string> {
  const dir = join(home.dir, name);
  await mkdir(dir, { recursive: true });
  return dir;
}
