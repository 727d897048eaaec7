import { readFileSync } from 'node:fs';
import binaryen from 'binaryen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { OptimizeReport } from '../../src/protocol/report.js';
import { readPackageFile } from '../hosts/host.js';
import { hostNamed } from '../hosts/index.js';

const demo = () => new Uint8Array(readFileSync('examples/demo.wasm'));

/** examples/demo.wat with `scale`'s factor changed: one function differs from the demo. */
function demoWithScale(factor: number): Uint8Array {
  return demoEdited((text) => text.replace('(i32.const 8))', `(i32.const ${factor}))`));
}

function demoEdited(edit: (text: string) => string): Uint8Array {
  const text = edit(readFileSync('examples/demo.wat', 'utf8'));
  const module = binaryen.parseText(text);
  try {
    // Written as scripts/build-examples.js writes examples/demo.wasm (names kept).
    binaryen.setDebugInfo(true);
    return module.emitBinary();
  } finally {
    binaryen.setDebugInfo(false);
    module.dispose();
  }
}

/** Runs the demo's exports on fixed inputs; traps are part of the transcript. */
function transcript(bytes: Uint8Array): string[] {
  const x = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<string, (...a: number[]) => number>;
  const out: string[] = [];
  const call = (name: string, ...args: number[]) => {
    try {
      out.push(`${name}(${args})=${x[name]!(...args)}`);
    } catch (error) {
      out.push(`${name}(${args}) trapped: ${(error as Error).message}`);
    }
  };
  for (const n of [0, 7, 1000]) call('sum', n);
  for (const v of [0, 5, -9, 0x40000000]) call('scale', v);
  call('store_load', 64, 9);
  call('store_load', 65534, 1);
  call('ratio', 9, 2);
  call('ratio', 9, 0);
  call('calls');
  return out;
}

/** Every (function, pass) step lands in exactly one bucket, and the buckets add up, pass by pass. */
function expectCountsAddUp(report: OptimizeReport): void {
  const t = report.verification!.totals;
  expect(t.proved + t.refuted + t.unknown).toBe(t.changed);
  expect(report.passSteps!.length).toBeGreaterThan(0);
  for (const p of report.passSteps!) {
    expect(p.proved + p.keptUnproved + p.reverted, p.pass).toBe(p.steps);
    expect(Object.values(p.revertedBy).reduce((a, b) => a + b, 0), p.pass).toBe(p.reverted);
    expect(p.ms, p.pass).toBeGreaterThanOrEqual(0);
  }
}

describe('strict mode', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = new Engine({ islandThreads: 2, solverThreads: 2 });
    await engine.warmUp();
    process.env['ATOLL_TEST_HOOKS'] = '1';
  });
  afterAll(async () => {
    delete process.env['ATOLL_TEST_HOOKS'];
    await engine.close();
  });

  it('is the default, and its output holds only proved steps and computes what the input did', async () => {
    const input = demo();
    const { output, report, certificate } = await engine.optimize(input, { islands: 2, generations: 1 });
    expect(report.settings.verify).toBe('strict');
    expect(report.verifiedStatus).toBe('proved');
    expect(output.length).toBeLessThan(input.length);
    for (const f of report.verification!.functions) {
      expect(f.verdict.status, f.name).toBe('proved');
      expect(f.steps!.length, f.name).toBeGreaterThan(0);
    }
    expect(report.verification!.functions.length).toBeGreaterThan(0);
    expect(transcript(output)).toEqual(transcript(input));
    expectCountsAddUp(report);
    expect(report.proofTax).toBeGreaterThanOrEqual(0);
    // The baseline is binaryen's own -Oz, measured unchecked in the same run; every step of it proves on this
    // module, so the proved -Oz alternative is as small, and the search (-O3 -Oz proves too: 189 B) no larger.
    expect(output.length).toBeLessThanOrEqual(report.baseline!.bytes);
    expect(certificate?.segments.length).toBeGreaterThan(0);
  });

  it("replays a build's lineage on a changed input (a watch's quick rebuild): proved steps, a certificate that re-checks, the new behaviour", async () => {
    const input = demo();
    const built = await engine.optimize(input, { islands: 2, generations: 1 });
    expect(built.lineage!.length).toBeGreaterThan(0);
    const changed = demoWithScale(6);
    expect(transcript(changed)).not.toEqual(transcript(input));
    const replayed = await engine.replay(changed, built.lineage!, { islands: 2, generations: 1 });
    expect(replayed.report.verifiedStatus).toBe('proved');
    expect(replayed.report.history).toEqual([]);
    expect(replayed.report.champion.genome).toEqual(built.report.champion.genome.filter((g) => !g.startsWith('[assembly]')));
    expect(transcript(replayed.output)).toEqual(transcript(changed));
    expect(replayed.output.length).toBeLessThan(changed.length);
    expectCountsAddUp(replayed.report);
    const recheck = await engine.verify(changed, replayed.output, { certificate: replayed.certificate });
    expect(recheck.module.accepted).toBe(true);
  });

  it('patches the previous output for an edit of one function (a watch\'s incremental rebuild): proved steps, the new behaviour, no certificate', async () => {
    const input = demo();
    const built = await engine.optimize(input, { islands: 2, generations: 1 });
    expect(built.incremental).toBeDefined();
    const changed = demoWithScale(6);
    const patched = await engine.incremental(changed, built.incremental!, { islands: 2, generations: 1 });
    if ('declined' in patched) throw new Error(`declined: ${patched.declined}`);
    // scale is exported and nothing else read its body: it alone is rebuilt, every other body is the output's.
    expect(patched.report.incremental).toEqual({ rebuilt: ['scale'] });
    expect(patched.report.verifiedStatus).toBe('proved');
    expect(patched.report.verification!.functions.map((f) => f.name)).toEqual(['scale']);
    expect(patched.certificate).toBeUndefined();
    expect(transcript(patched.output)).toEqual(transcript(changed));
    expect(patched.output.length).toBeLessThan(changed.length);
    expectCountsAddUp(patched.report);
    // Its base carries on: a second edit patches the patched output.
    const again = await engine.incremental(demoWithScale(10), patched.incremental!, { islands: 2, generations: 1 });
    if ('declined' in again) throw new Error(`declined: ${again.declined}`);
    expect(transcript(again.output)).toEqual(transcript(demoWithScale(10)));
  });

  it('rebuilds, in an incremental rebuild, the callers whose proofs read an edited body, and brings back the callee they inlined', async () => {
    const built = await engine.optimize(demo(), { islands: 2, generations: 1 });
    // add is inlined into sum and removed: the output's sum holds add's old body.
    const changed = demoEdited((text) => text.replace('(local.set $t (i32.add (local.get $a) (local.get $b)))', '(local.set $t (i32.add (local.get $a) (i32.shl (local.get $b) (i32.const 1))))'));
    expect(transcript(changed)).not.toEqual(transcript(demo()));
    const patched = await engine.incremental(changed, built.incremental!, { islands: 2, generations: 1 });
    if ('declined' in patched) throw new Error(`declined: ${patched.declined}`);
    expect(patched.report.incremental!.rebuilt).toEqual(['add', 'sum']);
    expect(transcript(patched.output)).toEqual(transcript(changed));
  });

  it('rehearses an incremental rebuild of an output (what a watch does after an input\'s first build) and throws its result away: the next edit gives the same output', async () => {
    const built = await engine.optimize(demo(), { islands: 2, generations: 1 });
    const edit = () => engine.incremental(demoWithScale(6), built.incremental!, { islands: 2, generations: 1 });
    const before = await edit();
    const rehearsed = await engine.rehearseIncremental(built.incremental!);
    if ('declined' in rehearsed) throw new Error(`declined: ${rehearsed.declined}`);
    // The demo's bodies all fit the rehearsal's budget: every function the plan can rebuild is, scale among them.
    expect(rehearsed.rebuilt).toContain('scale');
    expect(rehearsed.rebuilt.length).toBeGreaterThan(1);
    const after = await edit();
    if ('declined' in before || 'declined' in after) throw new Error('the edit was declined');
    expect(Buffer.from(after.output).equals(Buffer.from(before.output))).toBe(true);
    expect(after.report.incremental).toEqual(before.report.incremental);
  });

  it('declines an incremental rebuild when the module changed outside function bodies', async () => {
    const built = await engine.optimize(demo(), { islands: 2, generations: 1 });
    const changed = demoEdited((text) => text.replace('(global $counter (mut i32) (i32.const 0))', '(global $counter (mut i32) (i32.const 5))'));
    expect(await engine.incremental(changed, built.incremental!, { islands: 2, generations: 1 })).toEqual({ declined: 'the module changed outside function bodies' });
  });

  it('declines an incremental rebuild when an edit needs another feature, and the quick rebuild replays instead', async () => {
    const built = await engine.optimize(demo(), { islands: 2, generations: 1 });
    // sign-ext, which the demo did not need: the rebuild started beside the ingest assumed the old features.
    const changed = demoEdited((text) => text.replace('(i32.const 8)))', '(i32.const 8))) (drop (i32.extend8_s (local.get $x)))'));
    expect(built.report.input.features).not.toContain('sign-ext');
    expect(await engine.incremental(changed, built.incremental!, { islands: 2, generations: 1 })).toEqual({ declined: 'the module is read with other features than the previous one' });
    const quick = await engine.quick(changed, { lineage: built.lineage!, incremental: built.incremental! }, { islands: 2, generations: 1 });
    expect(quick.report.incremental).toBeUndefined();
    expect(quick.report.input.features).toContain('sign-ext');
    expect(transcript(quick.output)).toEqual(transcript(changed));
  });

  it('ends a proof where the time budget runs out: a proved output, a certificate that re-checks, and a report that says it was cut short', async () => {
    const input = demo();
    const { output, report, certificate, lineage } = await engine.optimize(input, { islands: 2, generations: 1, timeBudgetMs: 1 });
    expect(report.settings.deterministic).toBe(false);
    expect(report.history.every((h) => h.generation === 0)).toBe(true);
    expect(transcript(output)).toEqual(transcript(input));
    // 1 ms runs out before the first proof's first pass: its module is the input as binaryen writes it (no
    // name section), and its genome lists the passes that ran, none, not the alternative it started as.
    expect(output.length).toBeLessThan(input.length);
    expect(lineage!.length).toBeGreaterThan(0);
    for (const step of lineage!) expect(step.kind !== 'assembly' && step.passes).toEqual([]);
    const recheck = await engine.verify(input, output, { certificate: certificate! });
    expect(recheck.module.accepted).toBe(true);
  });

  it('tells the user before a long run on a large input (gofmt, 272 KB) that it takes minutes and what bounds it', async () => {
    const stopped = new AbortController();
    const logs: string[] = [];
    const job = engine.optimize(new Uint8Array(readFileSync('node_modules/@wasm-fmt/gofmt/gofmt.wasm')), {}, {
      signal: stopped.signal,
      onLog: (line, level) => {
        logs.push(`${level ?? 'warning'}: ${line}`);
        stopped.abort();
      },
    });
    await expect(job).rejects.toThrow();
    expect(logs).toEqual([expect.stringMatching(/^warning: strict mode proves every pass step: on a module of 266 KiB that takes minutes/)]);
  });

  it('refutes a wrong step planted at the first pass, reverts it, and goes on', async () => {
    const input = demo();
    // One island, and it plants the fault: scale is corrupted right after the first pass, as if the pass did it.
    const { output, report } = await engine.optimize(input, { islands: 1, generations: 0, plantFault: 'scale' });
    const scale = report.rejected?.find((f) => f.name === 'scale');
    expect(scale?.verdict.status).toBe('refuted');
    if (scale?.verdict.status === 'refuted') {
      expect(scale.verdict.counterexample.observed?.base).not.toEqual(scale.verdict.counterexample.observed?.candidate);
    }
    const step = report.unprovedSteps!.find((s) => s.function === 'scale');
    expect(step).toMatchObject({ pass: 'duplicate-function-elimination', index: 0 });
    // The pipeline went on from the reverted body: later passes still optimized scale, by proved steps.
    expect(report.verification!.functions.find((f) => f.name === 'scale')?.verdict.status).toBe('proved');
    expect(transcript(output)).toEqual(transcript(input));
    expect(output.length).toBeLessThan(input.length);
    expectCountsAddUp(report);
  });

  it('in report mode keeps the champion and reports the planted fault as refuted', async () => {
    const input = demo();
    const { output, report } = await engine.optimize(input, { islands: 1, generations: 0, plantFault: 'scale', verify: 'report' });
    const scale = report.verification!.functions.find((f) => f.name === 'scale');
    expect(scale?.verdict.status).toBe('refuted');
    expect(report.unprovedSteps!.find((s) => s.function === 'scale')?.verdict.status).toBe('refuted');
    expect(report.verifiedStatus).toBe('partially-proved');
    // The fault is in the output: report mode writes what the search found and says what was proved.
    expect(transcript(output)).not.toEqual(transcript(input));
  });

  it("proves every step of an unoptimized AssemblyScript build outside the bench's corpus, no larger than -Oz", { timeout: 300_000 }, async () => {
    // as-sha256's untouched.wasm: dead-argument elimination carries constants down chains of calls and drops
    // parameters of one type among others, and its allocator is inlined with its loops three calls deep.
    // Before the signature rule and the expansion handled those, strict output was 4 % above -Oz.
    const input = await readPackageFile('@chainsafe/as-sha256/build/untouched.wasm');
    const { output, report } = await engine.optimize(input);
    expect(report.unprovedSteps).toEqual([]);
    expect(output.length).toBeLessThanOrEqual(report.baseline!.bytes);
    // Same ABI as the package's optimized.wasm: its real workload runs on either.
    const host = hostNamed('as-sha256');
    expect(await host.run(output)).toBe(await host.run(input));
  });
});
