import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempHome, type TempHome } from './daemon-harness.js';

const DEMO = join(ROOT, 'examples/demo.wasm');

let home: TempHome;
beforeAll(async () => {
  home = await tempHome();
});
afterAll(async () => {
  await runCli(home, ['daemon', 'stop']);
  await home.cleanup();
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
