import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { OptimizeReport } from '../../src/protocol/report.js';

const demo = () => new Uint8Array(readFileSync('examples/demo.wasm'));

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

/** Every changed function lands in exactly one bucket, and the buckets add up. */
function expectCountsAddUp(report: OptimizeReport): void {
  const t = report.verification!.totals;
  expect(t.proved + t.refuted + t.unknown).toBe(t.changed);
  const names = [...report.verification!.functions, ...(report.rejected ?? [])].map((f) => f.name);
  expect(new Set(names).size).toBe(names.length);
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

  it('is the default, and its output holds only proved changes and computes what the input did', async () => {
    const input = demo();
    const { output, report } = await engine.optimize(input, { islands: 2, generations: 1 });
    expect(report.settings.verify).toBe('strict');
    expect(report.verifiedStatus).toBe('proved');
    expect(output.length).toBeLessThan(input.length);
    for (const f of report.verification!.functions) expect(f.verdict.status, f.name).toBe('proved');
    expect(report.verification!.functions.length).toBeGreaterThan(0);
    expect(transcript(output)).toEqual(transcript(input));
    expectCountsAddUp(report);
    expect(report.proofTax).toBeGreaterThanOrEqual(0);
  });

  it('refutes a planted miscompile and keeps it out of the output', async () => {
    const input = demo();
    // One island, and it plants the fault: the corrupted module is the champion, so it must be verified.
    const { output, report } = await engine.optimize(input, { islands: 1, generations: 0, plantFault: 'scale' });
    const scale = report.rejected?.find((f) => f.name === 'scale');
    expect(scale?.verdict.status).toBe('refuted');
    if (scale?.verdict.status === 'refuted') {
      expect(scale.verdict.counterexample.observed?.base).not.toEqual(scale.verdict.counterexample.observed?.candidate);
    }
    expect(report.verification!.functions.map((f) => f.name)).not.toContain('scale');
    expect(transcript(output)).toEqual(transcript(input));
    expectCountsAddUp(report);
  });

  it('in report mode keeps the champion and reports the planted fault as refuted', async () => {
    const input = demo();
    const { output, report } = await engine.optimize(input, { islands: 1, generations: 0, plantFault: 'scale', verify: 'report' });
    const scale = report.verification!.functions.find((f) => f.name === 'scale');
    expect(scale?.verdict.status).toBe('refuted');
    expect(report.verifiedStatus).toBe('partially-proved');
    // The fault is in the output: report mode writes what the search found and says what was proved.
    expect(transcript(output)).not.toEqual(transcript(input));
  });
});
