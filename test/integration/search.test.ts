import { readFileSync } from 'node:fs';
import binaryen from 'binaryen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryenAlternatives } from '../../bench/baselines.js';
import { Engine } from '../../src/engine/engine.js';
import { evaluateAlternatives } from '../../src/islands/alternatives.js';
import { describeGenome } from '../../src/islands/genome.js';
import { ALTERNATIVES, binaryenPreset } from '../../src/islands/presets.js';
import { functionBodySizes } from '../../src/wasm/names.js';
import { BinaryenPool } from '../../src/workers/binaryen-pool.js';
import { ingestBytes } from '../../src/wasm/ingest.js';

const rabin = () => new Uint8Array(readFileSync('node_modules/rabin-wasm/dist/rabin.wasm'));
const off = { verify: 'off' } as const;

describe('the search against what a user would run instead (rabin)', () => {
  let engine: Engine;
  let pool: BinaryenPool;
  beforeAll(async () => {
    engine = new Engine({ islandThreads: 2 });
    pool = new BinaryenPool({ threads: 2 });
    await Promise.all([engine.warmUp(), pool.warmUp()]);
  });
  afterAll(() => Promise.all([engine.close(), pool.close()]));

  it('starts from every alternative, -Oz being binaryen own -Oz byte for byte', async () => {
    const bytes = rabin();
    const input = await pool.ingest({ bytes, declared: ingestBytes(bytes).declared, override: undefined });
    const start = await evaluateAlternatives(2, input.named, (base, genome) =>
      pool.evaluate({ base, flags: input.flags, genome, objective: 'size' }),
    );
    expect(start.alternatives.map((a) => a.alternative.name)).toEqual(ALTERNATIVES.map((a) => a.name));
    for (const { alternative, resident } of start.alternatives) {
      expect(resident, alternative.name).toBeDefined();
      // One genome per preset: `-O4 -Oz ×2` is -O4 applied to the input, then -Oz twice on top.
      expect(resident!.lineage).toHaveLength(alternative.presets.length);
    }
    // Shared steps are evaluated once: -Oz ×2 goes on from -Oz, -O4 -Oz ×2 passes through -O4 and -O4 -Oz.
    expect(start.produced).toHaveLength(8);
    const inProcess = binaryenAlternatives(bytes);
    expect(start.alternatives[0]!.resident!.stripped).toEqual(inProcess.get('-Oz')!.bytes);
  });

  it('never ends larger than any alternative, and takes smaller bodies per function', async () => {
    const bytes = rabin();
    const { output, report } = await engine.optimize(bytes, { ...off, islands: 2, generations: 3, seed: 3 });
    const alternatives = binaryenAlternatives(bytes);
    for (const [name, result] of alternatives) expect(output.length, name).toBeLessThanOrEqual(result.bytes.length);
    const smallest = Math.min(...[...alternatives.values()].map((r) => r.bytes.length));
    // Three generations: a search that long starts from every alternative (a shorter one with verify off, from
    // the cheap ones). On rabin, bodies from -Oz and -O4 -Oz ×2 combine below every alternative (5253 B against 5258 B).
    expect(output.length).toBeLessThan(smallest);
    expect(report.champion.genome.some((step) => /^\[assembly\] [1-9]\d* bodies from/.test(step))).toBe(true);
    expect(WebAssembly.validate(output)).toBe(true);
  });

  it('with verify off, starts a short search from -Oz, -Oz ×2 and -O3 -Oz, and a longer one from every alternative', async () => {
    const generationZero = async (generations?: number) => {
      const { report } = await engine.optimize(rabin(), { ...off, islands: 2, ...(generations === undefined ? {} : { generations }) });
      return report.history.filter((h) => h.generation === 0).reduce((n, h) => n + h.evaluations, 0);
    };
    // -Oz, -Oz ×2 (on from -Oz), -O3, -O3 -Oz; at three generations -O4, -O4 -Oz, -O4 -Oz ×2 and -Os too.
    expect(await generationZero()).toBe(4);
    expect(await generationZero(3)).toBe(8);
  });

  it('gives the same bytes for the same input, options and seed', async () => {
    const options = { ...off, islands: 2, generations: 3, seed: 7, strategy: 'mixed' as const };
    const first = await engine.optimize(rabin(), options);
    const second = await engine.optimize(rabin(), options);
    expect(Buffer.from(second.output).equals(Buffer.from(first.output))).toBe(true);
    expect(second.report.history.map((h) => h.genome)).toEqual(first.report.history.map((h) => h.genome));
  });

  it('keeps a function from inlining when the genome says so, for every pass of the evaluation', async () => {
    const bytes = new Uint8Array(readFileSync('examples/demo.wasm'));
    const input = await pool.ingest({ bytes, declared: undefined, override: undefined });
    const genome = binaryenPreset('Oz');
    const run = async (noInline: string[]) => {
      const result = await pool.evaluate({ base: input.named, flags: input.flags, genome: { ...genome, knobs: { ...genome.knobs, noInline } }, objective: 'size' });
      if (!result.ok) throw new Error(result.error);
      return [...functionBodySizes(result.named).keys()];
    };
    // -Oz inlines add into sum (its only caller); kept from inlining, add stays a function.
    expect(await run([])).not.toContain('add');
    expect(await run(['add'])).toContain('add');
  });

  it('applies a genome again while that shrinks the module, as often as its converge knob allows', async () => {
    const bytes = rabin();
    const input = await pool.ingest({ bytes, declared: ingestBytes(bytes).declared, override: undefined });
    const genome = binaryenPreset('Oz');
    const size = async (converge: number) => {
      const result = await pool.evaluate({ base: input.named, flags: input.flags, genome: { ...genome, knobs: { ...genome.knobs, converge } }, objective: 'size' });
      if (!result.ok) throw new Error(result.error);
      return result.stripped.length;
    };
    // A second -Oz saves a few bytes on rabin (-Oz ×2 is 5 B below -Oz).
    expect(await size(3)).toBeLessThan(await size(1));
  });

  it('sweeps the refine seeds first: const-hoisting, which no preset runs, ends below every alternative, proved in strict mode', async () => {
    // One constant used five times: each use costs 5 bytes, a local.get 2 (binaryen's const-hoisting).
    const module = binaryen.parseText(`(module
      (memory (export "memory") 1)
      (func (export "mix") (param $a i32) (param $b i32) (result i32)
        (i32.store (local.get $a) (i32.xor (local.get $b) (i32.const 0x5bd1e995)))
        (i32.store offset=4 (local.get $a) (i32.mul (local.get $b) (i32.const 0x5bd1e995)))
        (i32.store offset=8 (local.get $a) (i32.add (local.get $b) (i32.const 0x5bd1e995)))
        (i32.store offset=12 (local.get $a) (i32.sub (local.get $b) (i32.const 0x5bd1e995)))
        (i32.and (i32.load offset=16 (local.get $a)) (i32.const 0x5bd1e995))))`);
    const bytes = module.emitBinary();
    module.dispose();
    const smallest = Math.min(...[...binaryenAlternatives(bytes).values()].map((r) => r.bytes.length));
    for (const verify of ['off', 'strict'] as const) {
      const { output, report } = await engine.optimize(bytes, { verify, islands: 2, generations: 1 });
      expect(output.length, verify).toBeLessThan(smallest);
      expect(report.champion.genome.at(-1), verify).toMatch(/\| optimize-instructions const-hoisting$/);
      if (verify === 'strict') expect(report.verification!.totals.proved).toBeGreaterThan(0);
    }
  });

  it('describes an assembled champion by its base lineage and the assembly', () => {
    expect(describeGenome({ kind: 'assembly', bodies: 3, donors: 2, cleanup: ['reorder-functions'] })).toBe(
      '[assembly] 3 bodies from 2 modules | reorder-functions',
    );
  });
});
