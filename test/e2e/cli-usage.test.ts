import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, SMALL_WASM, tempHome, type TempHome } from './daemon-harness.js';

const FAST = ['--generations', '1', '--islands', '2', '--verify', 'off'];

let home: TempHome;
beforeAll(async () => {
  home = await tempHome();
});
afterAll(async () => {
  await runCli(home, ['daemon', 'stop']);
  await home.cleanup();
});

describe('atoll command line', () => {
  it('answers no arguments with the usage on stderr and exit 2', async () => {
    const run = await runCli(home, []);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^atoll: no command given\nUsage: atoll \[options\] \[command\]/);
  });

  it('has --help per command and --version with atoll, binaryen and z3 versions', async () => {
    const help = await runCli(home, ['optimize', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: atoll optimize \[options\] <in>/);
    expect(help.stdout).toContain('--generations <n>');
    const version = await runCli(home, ['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^atoll \d+\.\d+\.\d+\nbinaryen 132\.0\.0\nz3-solver 5\.2\.0\n$/);
  });

  it('words every number out of range the same way, in one line plus where to read more', async () => {
    for (const [flag, value, range] of [
      ['--generations', '-3', '0 to 1000'],
      ['--islands', 'abc', '1 to 64'],
      ['--islands', '0', '1 to 64'],
    ]) {
      const run = await runCli(home, ['optimize', SMALL_WASM, '-o', join(home.dir, 'x.wasm'), flag!, value!]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`atoll: ${flag} must be an integer from ${range}, got ${value}\nsee atoll optimize --help\n`);
    }
    const time = await runCli(home, ['verify', SMALL_WASM, SMALL_WASM, '--function-time', '5']);
    expect(time.code).toBe(2);
    expect(time.stderr).toBe('atoll: --function-time must be an integer from 100 to 3600000, got 5\nsee atoll verify --help\n');
    const typo = await runCli(home, ['optimize', SMALL_WASM, '--island', '2']);
    expect(typo.stderr).toBe("atoll: unknown option '--island' (Did you mean --islands?)\nsee atoll optimize --help\n");
  });

  it('prints a JSON error object on stdout for every failure of a --json command', async () => {
    const usage = await runCli(home, ['verify', SMALL_WASM, '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { message: "missing required argument 'candidate'", exitCode: 2 } });
    const missing = await runCli(home, ['verify', '/no/such.wasm', SMALL_WASM, '--json', '--no-daemon']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: -33005, exitCode: 1, message: 'cannot read /no/such.wasm: no such file' });
  });

  it('never starts a daemon for cache stats or daemon status', async () => {
    const status = await runCli(home, ['daemon', 'status']);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('no daemon is running');
    const stats = await runCli(home, ['cache', 'stats']);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toContain('results disk');
    expect(stats.stderr).not.toContain('started a daemon');
    await expect(stat(home.socket)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('checks the output path before the job: a folder, /proc, a FIFO, the input itself, a missing folder', async () => {
    const started = Date.now();
    const folder = await runCli(home, ['optimize', SMALL_WASM, '-o', home.dir, ...FAST]);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toContain(`cannot write ${home.dir}: it is a folder`);
    const proc = await runCli(home, ['optimize', SMALL_WASM, '-o', '/proc/x.wasm', ...FAST]);
    expect(proc.stderr).toContain('cannot write /proc/x.wasm: cannot create a file in /proc: the file system does not take new files there');
    const fifo = join(home.dir, 'pipe.wasm');
    execFileSync('mkfifo', [fifo]);
    expect((await runCli(home, ['optimize', SMALL_WASM, '-o', fifo, ...FAST])).stderr).toContain('it is a named pipe (FIFO)');
    expect((await stat(fifo)).isFIFO()).toBe(true);
    const missing = await runCli(home, ['optimize', SMALL_WASM, '-o', join(home.dir, 'new', 'out.wasm'), ...FAST]);
    expect(missing.stderr).toContain(`the folder ${join(home.dir, 'new')} does not exist`);
    // None of these ran a job (the daemon answered at once).
    const status = JSON.parse((await runCli(home, ['daemon', 'status', '--json'])).stdout);
    expect(status.queue.completed + status.queue.failed).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);

    const copy = join(home.dir, 'in.wasm');
    await writeFile(copy, await readFile(SMALL_WASM));
    const same = await runCli(home, ['optimize', copy, '-o', copy, ...FAST]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('is the input itself; give --in-place to replace it');
    const inPlace = await runCli(home, ['optimize', copy, '--in-place', ...FAST, '--quiet']);
    expect(inPlace.code).toBe(0);
    expect((await readFile(copy)).length).toBeLessThan((await readFile(SMALL_WASM)).length);
    const created = await runCli(home, ['optimize', SMALL_WASM, '-o', join(home.dir, 'made', 'out.wasm'), '--create-dirs', ...FAST, '--quiet']);
    expect(created.code).toBe(0);
  });

  it('returns from daemon stop only once the daemon process has exited', async () => {
    const { pid } = JSON.parse((await runCli(home, ['daemon', 'status', '--json'])).stdout);
    const stop = await runCli(home, ['daemon', 'stop']);
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain(`pid ${pid} has exited`);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
