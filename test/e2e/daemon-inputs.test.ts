import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, OptimizeRequest, StatusRequest } from '../../src/protocol/index.js';
import { moduleWithDamagedNames } from '../integration/damaged-names.js';
import {
  errorOf,
  FAST,
  initialized,
  socketConnection,
  spawnDaemon,
  tempHome,
  waitForSocket,
  type DaemonProcess,
  type TempHome,
} from './daemon-harness.js';
import { rssWatchdog } from './raw-client.js';

/**
 * issue #12, "Unbounded input" (files) and "Wrong error code": what a client may name as a module. Each of
 * these hung or grew the daemon, or was answered as an internal error, before inputs were read as regular
 * files of bounded size.
 */

let home: TempHome;
let daemon: DaemonProcess;
let stopWatchdog: () => boolean;

async function client() {
  const link = await socketConnection(home.socket);
  await initialized(link.connection);
  return link;
}

beforeAll(async () => {
  home = await tempHome();
  daemon = spawnDaemon(home, ['--socket', home.socket, '--max-input-mb', '1', '--solver-threads', '1']);
  await waitForSocket(home.socket, daemon);
  // Should a read of /dev/zero come back, the daemon dies here rather than the machine.
  stopWatchdog = rssWatchdog(daemon.child.pid!, 3 * 1024 ** 3);
});

afterAll(async () => {
  expect(stopWatchdog()).toBe(false);
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  await home.cleanup();
});

describe('inputs', () => {
  it('refuses FIFOs at once, and other clients are answered meanwhile', async () => {
    const fifos = await Promise.all(
      [0, 1, 2, 3].map(async (n) => {
        const path = join(home.dir, `pipe${n}.wasm`);
        execFileSync('mkfifo', [path]);
        return path;
      }),
    );
    const asking = await client();
    const errors = Promise.all(fifos.map((path) => errorOf(asking.connection.sendRequest(OptimizeRequest.type, { input: { path }, options: FAST }))));
    const other = await client();
    expect((await other.connection.sendRequest(StatusRequest.type)).pid).toBe(daemon.child.pid);
    for (const error of await errors) {
      expect(error.code).toBe(ErrorCodes.FileNotFound);
      expect(error.message).toMatch(/is a FIFO \(named pipe\): atoll reads modules only from regular files/);
    }
    asking.end();
    other.end();
  });

  it.each([
    ['a character device', '/dev/zero', /is a character device/],
    ['a directory', '/tmp', /is a directory/],
  ])('refuses %s at once', async (_label, path, message) => {
    const link = await client();
    const error = await errorOf(link.connection.sendRequest(OptimizeRequest.type, { input: { path }, options: FAST }));
    expect(error.code).toBe(ErrorCodes.FileNotFound);
    expect(error.message).toMatch(message);
    link.end();
  });

  it('refuses a file or base64 module over the input limit, naming both sizes', async () => {
    const big = join(home.dir, 'big', 'module.wasm');
    await mkdir(join(home.dir, 'big'));
    await writeFile(big, Buffer.alloc(2 * 1024 * 1024));
    const link = await client();
    const fromFile = await errorOf(link.connection.sendRequest(OptimizeRequest.type, { input: { path: big }, options: FAST }));
    expect(fromFile.code).toBe(ErrorCodes.InputTooLarge);
    expect(fromFile.message).toMatch(/is 2\.0 MiB, more than this daemon's input limit of 1\.0 MiB \(ATOLL_MAX_INPUT_MB in the daemon's environment raises it\)/);
    const base64 = Buffer.alloc(1536 * 1024).toString('base64');
    const fromBase64 = await errorOf(link.connection.sendRequest(OptimizeRequest.type, { input: { base64 }, options: FAST }));
    expect(fromBase64.code).toBe(ErrorCodes.InputTooLarge);
    const status = await link.connection.sendRequest(StatusRequest.type);
    expect(status.limits.maxInputBytes).toBe(1024 * 1024);
    link.end();
  });

  it('optimizes a module whose name section is damaged (it was answered -32603)', async () => {
    const link = await client();
    const base64 = Buffer.from(moduleWithDamagedNames()).toString('base64');
    const result = await link.connection.sendRequest(OptimizeRequest.type, { input: { base64 }, options: { generations: 1, islands: 1 } });
    expect(result.report.verifiedStatus).toBe('proved');
    expect(WebAssembly.validate(Buffer.from(result.outputBase64!, 'base64'))).toBe(true);
    link.end();
  });
});
