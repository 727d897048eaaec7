import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { ErrorCodes } from '../../src/protocol/errors.js';
import { binaryenPreset } from '../../src/islands/presets.js';
import { BinaryenPool } from '../../src/workers/binaryen-pool.js';
import { FEATURE_FLAGS } from '../../src/wasm/features.js';

const read = (path: string) => new Uint8Array(readFileSync(path));
const demo = () => read('examples/demo.wasm');
const asSha256 = () => read('node_modules/@chainsafe/as-sha256/build/optimized.wasm');
const onig = () => read('node_modules/vscode-oniguruma/release/onig.wasm');

interface DemoExports {
  sum(n: number): number;
  scale(x: number): number;
  store_load(p: number, v: number): number;
  ratio(a: number, b: number): number;
  calls(): number;
}

/** Runs every export of the demo module on fixed inputs; traps are part of the transcript. */
function demoTranscript(bytes: Uint8Array): string[] {
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as DemoExports;
  const out: string[] = [];
  const attempt = (label: string, run: () => number) => {
    try {
      out.push(`${label}=${run()}`);
    } catch (error) {
      out.push(`${label} trapped: ${(error as Error).message}`);
    }
  };
  for (const n of [0, 1, 10, 1000, -5]) attempt(`sum(${n})`, () => exports.sum(n));
  for (const x of [0, 3, -7, 0x7fffffff]) attempt(`scale(${x})`, () => exports.scale(x));
  attempt('store_load(16,5)', () => exports.store_load(16, 5));
  attempt('store_load(65533,1)', () => exports.store_load(65533, 1));
  attempt('ratio(10,3)', () => exports.ratio(10, 3));
  attempt('ratio(1,0)', () => exports.ratio(1, 0));
  attempt('calls', () => exports.calls());
  return out;
}

// These tests are about the search; verification (strict by default) is tested in strict.test.ts.
const off = { verify: 'off' } as const;

describe('Engine.optimize', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = new Engine({ islandThreads: 2 });
    await engine.warmUp();
  });
  afterAll(() => engine.close());

  it('shrinks the bundled example without changing what it computes, traps included', async () => {
    const input = demo();
    const { output, report } = await engine.optimize(input, { ...off, islands: 2, generations: 2, seed: 1 });
    expect(WebAssembly.validate(output)).toBe(true);
    expect(output.length).toBeLessThan(input.length);
    expect(report.output.bytes).toBe(output.length);
    expect(report.baseline).not.toBeNull();
    expect(output.length).toBeLessThanOrEqual(report.baseline!.bytes);
    expect(demoTranscript(output)).toEqual(demoTranscript(input));
    expect(demoTranscript(input)).toContain('ratio(1,0) trapped: divide by zero');
    expect(report.verifiedStatus).toBe('unverified');
    expect(report.verification).toBeUndefined();
    expect(report.history.filter((h) => h.generation === 2)).toHaveLength(2);
  });

  it('gives identical bytes for the same seed and never ends above binaryen -Oz (as-sha256)', async () => {
    const options = { ...off, islands: 2, generations: 3, seed: 42, strategy: 'mixed' as const };
    const first = await engine.optimize(asSha256(), options);
    const second = await engine.optimize(asSha256(), options);
    expect(Buffer.from(second.output).equals(Buffer.from(first.output))).toBe(true);
    expect(first.output.length).toBeLessThanOrEqual(first.report.baseline!.bytes);
    expect(first.report.input.features).toEqual(['mutable-globals', 'bulk-memory-opt']);
    new WebAssembly.Module(first.output);
  });

  it('with default settings ends at or below -Oz on onig.wasm', async () => {
    const { output, report } = await engine.optimize(onig(), { ...off, islands: 2 });
    console.log(
      `onig: input ${report.input.bytes} B, -Oz ${report.baseline?.bytes} B in ${report.baseline?.ms} ms, ` +
        `atoll ${output.length} B in ${report.timeMs.total} ms`,
    );
    expect(output.length).toBeLessThanOrEqual(report.baseline!.bytes);
    expect(report.input.features).toEqual(['sign-ext']);
  });

  it('answers bad input with a named error and keeps working', async () => {
    await expect(engine.optimize(new TextEncoder().encode('not wasm at all'), off)).rejects.toMatchObject({
      code: ErrorCodes.NotWasm,
    });
    const truncated = demo().subarray(0, 100);
    await expect(engine.optimize(truncated, off)).rejects.toMatchObject({ code: ErrorCodes.MalformedWasm });
    await expect(engine.optimize(demo(), { ...off, islands: 0 })).rejects.toMatchObject({ code: ErrorCodes.BadOption });
    const { output } = await engine.optimize(demo(), { ...off, islands: 1, generations: 0 });
    expect(WebAssembly.validate(output)).toBe(true);
  });

  it('drops a failing island for the generation and completes with the others', async () => {
    process.env['ATOLL_TEST_HOOKS'] = '1';
    try {
      const { output, report } = await engine.optimize(demo(), { ...off, islands: 2, generations: 1, plantFault: 'no_such_function' });
      // A short unverified search starts from -Oz, -Oz ×2 and -O3 -Oz: island 1 owns -Oz ×2's second step in
      // generation 0, which fails, and its child in generation 1 fails too.
      expect(report.failures.map((f) => f.generation)).toEqual([0, 1]);
      expect(report.failures.every((f) => f.island === 1 && /no function named no_such_function/.test(f.error))).toBe(true);
      expect(WebAssembly.validate(output)).toBe(true);
    } finally {
      delete process.env['ATOLL_TEST_HOOKS'];
    }
  });
  it('stops a search between generations when told to, with no worker terminated, and runs the next job', async () => {
    const threads = () => engine['pool']['piscina'].threads.map((worker) => worker.threadId).sort();
    const before = threads();
    const stop = new AbortController();
    const generationsSeen = new Set<number>();
    const stopped = engine.optimize(demo(), { ...off, islands: 2, generations: 50 }, {
      stop: stop.signal,
      onProgress: (event) => {
        if (event.generation === undefined) return;
        generationsSeen.add(event.generation);
        if (event.generation === 2) stop.abort(new Error('the input changed again'));
      },
    });
    await expect(stopped).rejects.toMatchObject({ code: ErrorCodes.RequestCancelled, message: /stopped: the input changed again/ });
    // It ended at the generation after the stop, far from the fifty asked for.
    expect(Math.max(...generationsSeen)).toBeLessThanOrEqual(3);
    expect(threads()).toEqual(before);
    const { output } = await engine.optimize(demo(), { ...off, islands: 2, generations: 1 });
    expect(demoTranscript(output)).toEqual(demoTranscript(demo()));
  });
});

describe('BinaryenPool', () => {
  it('survives a binaryen abort: the task fails, the thread is replaced, the next task runs', async () => {
    const pool = new BinaryenPool({ threads: 1 });
    try {
      const bytes = read('node_modules/sql.js/dist/sql-wasm.wasm').subarray(0); // uses memory.copy/fill
      // bulk-memory without bulk-memory-opt trips an assertion inside binaryen (a real abort, not a throw).
      const inconsistent = FEATURE_FLAGS['bulk-memory'] | FEATURE_FLAGS['sign-ext'] | FEATURE_FLAGS['mutable-globals'] | FEATURE_FLAGS['nontrapping-fptoint'];
      const failed = await pool.evaluate({ base: bytes, flags: inconsistent, genome: binaryenPreset('O1'), objective: 'size' });
      expect(failed.ok).toBe(false);
      const input = await pool.ingest({ bytes: demo(), declared: undefined, override: undefined });
      const ok = await pool.evaluate({ base: input.named, flags: input.flags, genome: binaryenPreset('Oz'), objective: 'size' });
      expect(ok.ok).toBe(true);
    } finally {
      await pool.close();
    }
  });
});
