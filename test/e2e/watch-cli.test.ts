import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatusRequest, WatchResultNotification, WatchStartRequest, type WatchResultParams } from '../../src/protocol/index.js';
import { CLI_MAIN, initialized, socketConnection, spawnDaemon, tempHome, waitForSocket, type TempHome } from './daemon-harness.js';
import { demoModule, folderIn, QUICK, sleep } from './watch-harness.js';

let home: TempHome;
beforeEach(async () => {
  home = await tempHome();
});
afterEach(async () => {
  await home.cleanup();
});

async function until(condition: () => boolean, what: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await sleep(25);
  }
}

describe('atoll watch (CLI)', () => {
  it('prints one line per rebuild with the cause, and exits 0 when stdin closes', async () => {
    const dir = await folderIn(home, 'project');
    const args = [CLI_MAIN, 'watch', '.', '--no-daemon', '--islands', '2', '--generations', '1', '--verify', 'off', '--debounce', '100'];
    const child = spawn(process.execPath, args, { cwd: dir, env: { ...home.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await until(() => stderr.includes('watching'), () => stderr);

    await writeFile(join(dir, 'a.wasm'), demoModule(8));
    await until(() => stdout.split('\n').length > 1, () => stdout + stderr);
    await writeFile(join(dir, 'a.wasm'), demoModule(16));
    await until(() => stdout.split('\n').length > 3, () => stdout + stderr);
    child.stdin.end();
    expect(await exited).toBe(0);

    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[watch\] add: a\.wasm → a\.opt\.wasm \d+ → \d+ B \(-\d+\.\d%\), unverified \([\d.]+ m?s\)$/);
    // A change of a file built before: first the previous pipeline replayed, then the full rebuild.
    expect(lines[1]).toMatch(/^\[watch\] change: a\.wasm → a\.opt\.wasm .* \[quick: previous pipeline, full rebuild follows\] \([\d.]+ m?s\)$/);
    expect(lines[2]).toMatch(/^\[watch\] change: a\.wasm → a\.opt\.wasm /);
    expect(lines[2]).not.toContain('quick');
    expect(stderr).toContain('stopped watching (stdin closed)');
  });
});

describe('watch ownership', () => {
  it('sends results only to the client that started the watch, and stops the watch when that client disconnects', async () => {
    const daemon = spawnDaemon(home, ['--socket', home.socket]);
    await waitForSocket(home.socket, daemon);
    const owner = await socketConnection(home.socket);
    const other = await socketConnection(home.socket);
    await initialized(owner.connection);
    await initialized(other.connection);
    const seen: Record<'owner' | 'other', WatchResultParams[]> = { owner: [], other: [] };
    owner.connection.onNotification(WatchResultNotification.type, (r) => seen.owner.push(r));
    other.connection.onNotification(WatchResultNotification.type, (r) => seen.other.push(r));

    const dir = await folderIn(home, 'owned');
    await owner.connection.sendRequest(WatchStartRequest.type, { paths: [dir], debounceMs: 100, options: QUICK });
    await writeFile(join(dir, 'a.wasm'), demoModule(8));
    await until(() => seen.owner.length === 1, () => JSON.stringify(seen));
    await sleep(500);
    expect(seen.other).toEqual([]);

    owner.end();
    await sleep(500);
    const before = (await other.connection.sendRequest(StatusRequest.type)).queue;
    await writeFile(join(dir, 'a.wasm'), demoModule(16));
    await sleep(2000);
    const after = (await other.connection.sendRequest(StatusRequest.type)).queue;
    expect(after.completed + after.running + after.queued).toBe(before.completed + before.running + before.queued);
    expect(seen.other).toEqual([]);

    other.end();
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
