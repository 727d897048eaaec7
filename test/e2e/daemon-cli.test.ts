import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, ROOT, runCli, SMALL_WASM, tempHome, type TempHome } from './daemon-harness.js';

const FAST = ['--generations', '1', '--islands', '2', '--verify', 'off'];
const DEMO = join(ROOT, 'examples/demo.wasm');

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
    // The tests' daemons run no warm-up jobs (daemon-harness.ts).
    expect((await runCli(home, ['daemon', 'status'])).stdout).toMatch(/^ {2}warm-up {3}none$/m);
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

describe('atoll optimize --proof and atoll verify (--proof) through the daemon', () => {
  const out = () => join(home.dir, 'demo.opt.wasm');
  const proof = () => join(home.dir, 'demo.proof.json');

  it('writes the certificate of a strict output, and verify re-checks it: with --proof, and from the daemon\'s store', async () => {
    const optimized = await runCli(home, ['optimize', DEMO, '-o', out(), '--proof', proof(), '--islands', '1', '--generations', '0']);
    expect(optimized.code, optimized.stderr).toBe(0);
    const certificate = JSON.parse(await readFile(proof(), 'utf8'));
    expect(certificate.format).toBe('atoll-certificate-1');

    const withProof = await runCli(home, ['verify', DEMO, out(), '--proof', proof(), '--json']);
    expect(withProof.code, withProof.stdout + withProof.stderr).toBe(0);
    expect(JSON.parse(withProof.stdout).module.findings[0]).toMatch(/certificate re-checked/);

    const fromStore = await runCli(home, ['verify', DEMO, out(), '--json']);
    expect(fromStore.code, fromStore.stdout + fromStore.stderr).toBe(0);
    expect(JSON.parse(fromStore.stdout).module.findings[0]).toMatch(/certificate re-checked/);
  });

  it('rejects an edited certificate with exit code 4, and a file that is not JSON as bad usage', async () => {
    const certificate = JSON.parse(await readFile(proof(), 'utf8'));
    const step = certificate.segments[0].passes.find((p: { kept?: unknown[] }) => p.kept?.length);
    step.kept[0][1] = '0'.repeat(64);
    const edited = join(home.dir, 'edited.json');
    await writeFile(edited, JSON.stringify(certificate));
    const rejected = await runCli(home, ['verify', DEMO, out(), '--proof', edited, '--json']);
    expect(rejected.code).toBe(4);
    expect(JSON.parse(rejected.stdout).module.findings[0]).toMatch(/^certificate rejected: .*does not have the body/);

    const garbage = join(home.dir, 'garbage.json');
    await writeFile(garbage, 'not json');
    const bad = await runCli(home, ['verify', DEMO, out(), '--proof', garbage]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not JSON/);
  });

  it('refuses --proof outside strict mode', async () => {
    const run = await runCli(home, ['optimize', DEMO, '-o', out(), '--proof', proof(), '--verify', 'off']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/strict mode only/);
  });
});
