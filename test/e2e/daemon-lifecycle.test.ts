import { stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  ExitNotification,
  InitializeRequest,
  pidFilePath,
  ShutdownRequest,
  StatusRequest,
  WatchStartRequest,
  WatchStopRequest,
} from '../../src/protocol/index.js';
import {
  errorOf,
  initialized,
  socketConnection,
  spawnDaemon,
  stdioConnection,
  tempHome,
  waitForPidFile,
  waitForSocket,
  type TempHome,
} from './daemon-harness.js';

let home: TempHome;
beforeEach(async () => {
  home = await tempHome();
});
afterEach(async () => {
  await home.cleanup();
});

describe('daemon over stdio', () => {
  it('follows the LSP lifecycle: not initialized, initialize, work, shutdown, exit 0', async () => {
    const daemon = spawnDaemon(home, ['--stdio']);
    const connection = stdioConnection(daemon);
    expect((await errorOf(connection.sendRequest(StatusRequest.type))).code).toBe(ErrorCodes.ServerNotInitialized);

    const server = await initialized(connection);
    expect(server.serverInfo.name).toBe('atoll');
    expect(server.versions).toMatchObject({ binaryen: '132.0.0', z3: '5.2.0' });
    expect(server.pools.islandThreads).toBe(2);
    expect(server.capabilities).toMatchObject({ optimize: true, watch: true, workDoneProgress: true, cancellation: true });
    expect(server.transport).toBe('stdio');
    expect((await errorOf(connection.sendRequest(InitializeRequest.type, {}))).code).toBe(ErrorCodes.InvalidRequest);

    const status = await connection.sendRequest(StatusRequest.type);
    expect(status.pid).toBe(daemon.child.pid);
    expect(status.memory.rss).toBeGreaterThan(0);
    expect(status.transport).toEqual({ stdio: true });

    expect(await connection.sendRequest(ShutdownRequest.type)).toBeNull();
    expect((await errorOf(connection.sendRequest(StatusRequest.type))).code).toBe(ErrorCodes.ServerNotInitialized);
    await connection.sendNotification(ExitNotification.type);
    expect(await daemon.exited).toBe(0);
  });

  it('exits with 1 on exit without shutdown, as LSP says', async () => {
    const daemon = spawnDaemon(home, ['--stdio']);
    const connection = stdioConnection(daemon);
    await initialized(connection);
    await connection.sendNotification(ExitNotification.type);
    expect(await daemon.exited).toBe(1);
  });

  it('ends when stdin closes', async () => {
    const daemon = spawnDaemon(home, ['--stdio']);
    await initialized(stdioConnection(daemon));
    daemon.child.stdin!.end();
    expect(await daemon.exited).toBe(0);
  });

  it('checks watch params (watch mode itself: test/e2e/watch-*.test.ts)', async () => {
    const daemon = spawnDaemon(home, ['--stdio']);
    const connection = stdioConnection(daemon);
    await initialized(connection);
    const start = await errorOf(connection.sendRequest(WatchStartRequest.type, { paths: ['relative'] }));
    expect(start.code).toBe(ErrorCodes.InvalidParams);
    expect(await connection.sendRequest(WatchStopRequest.type, { watchId: 'x' })).toEqual({ stopped: false });
    daemon.child.stdin!.end();
    await daemon.exited;
  });
});

describe('daemon on a unix socket', () => {
  it('creates an owner-only socket and folder, survives client disconnects, and cleans up on SIGTERM', async () => {
    const daemon = spawnDaemon(home, []);
    await waitForSocket(home.socket, daemon);
    expect((await stat(home.socket)).mode & 0o777).toBe(0o600);
    expect((await stat(`${home.cacheDir}/run`)).mode & 0o777).toBe(0o700);
    expect(await waitForPidFile(pidFilePath(home.socket), daemon.child.pid)).toBe(String(daemon.child.pid));

    const first = await socketConnection(home.socket);
    expect((await initialized(first.connection)).transport).toBe('socket');
    first.end();

    const second = await socketConnection(home.socket);
    await initialized(second.connection);
    const status = await second.connection.sendRequest(StatusRequest.type);
    expect(status.transport.socket).toBe(home.socket);
    second.end();

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    await expect(stat(home.socket)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(pidFilePath(home.socket))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('replaces a stale socket left by a daemon that was killed', async () => {
    const crashed = spawnDaemon(home, []);
    await waitForSocket(home.socket, crashed);
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect((await stat(home.socket)).isSocket()).toBe(true);

    const daemon = spawnDaemon(home, []);
    await waitForSocket(home.socket, daemon);
    const client = await socketConnection(home.socket);
    expect((await initialized(client.connection)).pid).toBe(daemon.child.pid);
    expect(await waitForPidFile(pidFilePath(home.socket), daemon.child.pid)).toBe(String(daemon.child.pid));
    client.end();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
  });

  it('refuses to start a second daemon on a live socket and names the first', async () => {
    const first = spawnDaemon(home, []);
    await waitForSocket(home.socket, first);
    await waitForPidFile(pidFilePath(home.socket), first.child.pid);
    const second = spawnDaemon(home, []);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`already serving ${home.socket}`);
    expect(second.stderr()).toContain(`pid ${first.child.pid}`);

    const client = await socketConnection(home.socket);
    expect((await initialized(client.connection)).pid).toBe(first.child.pid);
    client.end();
    first.child.kill('SIGTERM');
    await first.exited;
  });
});
