import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_MAIN, runCli, SMALL_WASM, tempHome, type TempHome } from './daemon-harness.js';

/**
 * issue #12, "The daemon dies": when the daemon was killed (out of memory) mid-job, the CLI exited with code
 * 13 (node's unsettled top-level await) and no message. It must say so, with the end of the daemon's log,
 * and exit 1.
 */

let home: TempHome;
beforeEach(async () => {
  home = await tempHome();
});
afterEach(async () => {
  await runCli(home, ['daemon', 'stop']);
  await home.cleanup();
});

const LONG_JOB = ['--generations', '500', '--islands', '1', '--verify', 'off'];

/** Starts `atoll optimize` on a long job; resolves once its progress shows the job running. */
function longOptimize(extra: string[] = []) {
  const child = spawn(process.execPath, [CLI_MAIN, 'optimize', SMALL_WASM, '-o', join(home.dir, 'out.wasm'), ...LONG_JOB, ...extra], {
    env: home.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = (async () => {
    const deadline = Date.now() + 60_000;
    while (!/generation \d+ of 500/.test(stderr)) {
      if (Date.now() > deadline) throw new Error(`the job did not start: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  /** The exit code, or a failure that shows what the CLI wrote when it has not exited within `ms`. */
  const exitedWithin = (ms: number) =>
    Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`the CLI did not exit within ${ms} ms of its daemon's death; its stderr:\n${stderr}`)), ms).unref(),
      ),
    ]);
  return { child, exited: () => exitedWithin(60_000), running, stderr: () => stderr };
}

describe('a CLI whose daemon vanishes', () => {
  it('says so with the last lines of the daemon log, and exits 1', async () => {
    const cli = longOptimize();
    await cli.running;
    const pid = Number((await readFile(join(home.cacheDir, 'run', 'daemon.pid'), 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    expect(await cli.exited()).toBe(1);
    expect(cli.stderr()).toContain(`the daemon (pid ${pid}) on ${home.socket} has exited before it answered; the last lines of its log ${join(home.cacheDir, 'daemon.log')}:`);
    expect(cli.stderr()).toMatch(/atoll daemon: listening on /);
  });

  it('with --no-daemon, says how its private daemon ended, with what it wrote last', async () => {
    const cli = longOptimize(['--no-daemon']);
    await cli.running;
    const children = readFileSync(`/proc/${cli.child.pid}/task/${cli.child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    expect(children).toHaveLength(1);
    process.kill(children[0]!, 'SIGKILL');
    expect(await cli.exited()).toBe(1);
    expect(cli.stderr()).toMatch(/the private daemon was killed by SIGKILL before it answered; the last lines it wrote:/);
  });
});
