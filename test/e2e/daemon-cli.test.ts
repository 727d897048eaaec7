import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, runCli, SMALL_WASM, tempHome, type TempHome } from './daemon-harness.js';

const FAST = ['--generations', '1', '--islands', '2', '--verify', 'off'];

let home: TempHome;
beforeAll(async () => {
  home = await tempHome();
});
afterAll(async () => {
  await runCli(home, ['daemon', 'stop']);
  await home.cleanup();
});

describe('atoll CLI', () => {
  it('starts a daemon in the background when none answers, then reuses it', async () => {
    const out = join(home.dir, 'a.wasm');
    const first = await runCli(home, ['optimize', SMALL_WASM, '-o', out, ...FAST]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('started a daemon in the background');
    expect(first.stdout).toContain('unverified (verification off)');
    expect(first.stdout).toMatch(/size\s+4334 B → \d+ B/);
    expect(first.stdout).toContain('-Oz');
    expect(WebAssembly.validate(await readFile(out))).toBe(true);
    expect((await stat(home.socket)).isSocket()).toBe(true);

    const second = await runCli(home, ['optimize', SMALL_WASM, '-o', out, ...FAST, '--json', '--quiet']);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('');
    const result = JSON.parse(second.stdout);
    expect(result.report.cached).toBe(true);
    expect(result.outputPath).toBe(out);
  });

  it('reports the daemon status and the cache', async () => {
    const status = await runCli(home, ['daemon', 'status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).transport.socket).toBe(home.socket);
    const stats = await runCli(home, ['cache', 'stats']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/results disk\s+1 entries/);
  });

  it('uses its documented exit codes for bad usage and errors', async () => {
    expect((await runCli(home, ['optimize', SMALL_WASM])).code).toBe(2);
    expect((await runCli(home, ['optimize', SMALL_WASM, '-o', '/tmp/x.wasm', '--objective', 'speed'])).code).toBe(2);
    expect((await runCli(home, ['optimize', SMALL_WASM, '-o', '/tmp/x.wasm', '--islands', '0'])).code).toBe(2);
    const missing = await runCli(home, ['optimize', '/no/such.wasm', '-o', '/tmp/x.wasm']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read /no/such.wasm');
    expect((await runCli(home, ['frobnicate'])).code).toBe(2);
  });

  it('cancels the job on Ctrl-C and exits 130, leaving the daemon serving', async () => {
    const child = spawn(process.execPath, [CLI_MAIN, 'optimize', SMALL_WASM, '-o', join(home.dir, 'c.wasm'), ...FAST, '--generations', '500'], {
      env: home.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('generation 1 of')) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('cancelling');
    const status = JSON.parse((await runCli(home, ['daemon', 'status', '--json'])).stdout);
    expect(status.queue.cancelled).toBeGreaterThanOrEqual(1);
  });

  it('stops the daemon and removes its socket', async () => {
    const stop = await runCli(home, ['daemon', 'stop']);
    expect(stop.code).toBe(0);
    await expect(stat(home.socket)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await runCli(home, ['daemon', 'status'])).code).toBe(1);
  });

  it('runs a private daemon with --no-daemon and leaves no socket behind', async () => {
    const own = await tempHome();
    try {
      const out = join(own.dir, 'p.wasm');
      const run = await runCli(own, ['optimize', SMALL_WASM, '-o', out, ...FAST, '--no-daemon', '--quiet']);
      expect(run.code).toBe(0);
      expect(WebAssembly.validate(await readFile(out))).toBe(true);
      await expect(stat(own.socket)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await own.cleanup();
    }
  });
});
