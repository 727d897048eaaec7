import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { DEFAULT_KNOBS, type Genome } from '../../src/islands/genome.js';
import { inliningGenome } from '../../src/islands/presets.js';
import { functionBodySizes } from '../../src/wasm/names.js';
import { FEATURES, wat } from '../unit/verify/pair.js';
import { checkedPool } from './checked-pool.js';

/**
 * Two helpers of a few instructions, each called from three exports: binaryen's -Oz keeps both (more than
 * two instructions, several callers), and -O3 keeps `scale` (a loop). Its callers pass constants that fold
 * its loop away once it is inlined. `unused` is exported and never called: nothing to inline.
 */
const MODULE = `(module
  (memory (export "memory") 1)
  (func $scale (param $x i32) (param $k i32) (result i32) (local $r i32)
    (local.set $r (local.get $x))
    (loop $again (local.set $r (i32.mul (local.get $r) (local.get $k))) (br_if $again (i32.gt_u (local.get $k) (i32.const 8))))
    (i32.add (local.get $r) (i32.shl (local.get $k) (i32.const 3))))
  (func $mix (param $a i32) (param $b i32) (result i32) (i32.xor (i32.rotl (local.get $a) (i32.const 5)) (i32.load (local.get $b))))
  (func (export "one") (param $x i32) (result i32) (call $mix (call $scale (local.get $x) (i32.const 1)) (local.get $x)))
  (func (export "two") (param $x i32) (result i32) (call $mix (call $scale (local.get $x) (i32.const 2)) (i32.const 16)))
  (func (export "four") (param $x i32) (result i32) (call $mix (call $scale (local.get $x) (i32.const 4)) (i32.const 32)))
  (func (export "unused") (param $x i32) (result i32) (i32.popcnt (local.get $x)))
)`;

function transcript(bytes: Uint8Array): string[] {
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<string, (x: number) => number>;
  const call = (name: string, x: number) => {
    try {
      return `${name}(${x}) = ${exports[name]!(x)}`;
    } catch (error) {
      return `${name}(${x}) trapped: ${(error as Error).message}`;
    }
  };
  return ['one', 'two', 'four'].flatMap((name) => [0, 1, 7, -3, 65536].map((x) => call(name, x)));
}

const checked = checkedPool();

async function apply(genome: Genome, strict = false) {
  const pool = checked.pool();
  const input = await pool.ingest({ bytes: wat(MODULE), declared: undefined, override: undefined });
  const result = await pool.evaluate({
    base: input.named,
    flags: input.flags | FEATURES,
    genome,
    objective: 'size',
    ...(strict ? { checks: await checked.strictChecks() } : {}),
  });
  if (!result.ok) throw new Error(result.error);
  return { ...result, functions: [...functionBodySizes(result.named).keys()] };
}

describe('per-function inlining (the knob inline)', () => {
  it('inlines the function named into every caller whatever its size, and no other', async () => {
    const plain = await apply({ kind: 'refine', passes: ['inlining-optimizing'], knobs: { ...DEFAULT_KNOBS } });
    expect(plain.functions).toEqual(expect.arrayContaining(['scale', 'mix']));
    const scaled = await apply(inliningGenome('scale', DEFAULT_KNOBS));
    expect(scaled.functions).not.toContain('scale');
    expect(scaled.functions).toContain('mix');
    const mixed = await apply(inliningGenome('mix', DEFAULT_KNOBS));
    expect(mixed.functions).toContain('scale');
    expect(mixed.functions).not.toContain('mix');
    // The constants each caller passes fold once scale is inlined: smaller than keeping the call.
    expect(scaled.stripped.length).toBeLessThan(plain.stripped.length);
    expect(transcript(scaled.stripped)).toEqual(transcript(wat(MODULE)));
    expect(transcript(mixed.stripped)).toEqual(transcript(wat(MODULE)));
  });

  it('is proved step by step in strict mode, its marks set again before each inlining pass', async () => {
    // mix: a callee without loops, which the checker encodes inline on both sides.
    const strict = await apply(inliningGenome('mix', DEFAULT_KNOBS), true);
    expect(strict.functions).not.toContain('mix');
    expect(strict.functions).toContain('scale');
    expect(strict.proof!.proved.some((step) => step.pass === 'inlining-optimizing' || step.pass === 'inlining')).toBe(true);
    expect(transcript(strict.stripped)).toEqual(transcript(wat(MODULE)));
  });

  it('offers the called functions as candidates, smallest body first', async () => {
    const pool = checked.pool();
    const input = await pool.ingest({ bytes: wat(MODULE), declared: undefined, override: undefined });
    const sizes = functionBodySizes(input.named);
    const candidates = await pool.inliningCandidates(input.named, input.flags);
    expect([...candidates].sort()).toEqual(['mix', 'scale']);
    expect(sizes.get(candidates[0]!)).toBeLessThanOrEqual(sizes.get(candidates[1]!)!);
  });

  it('is tried by refine islands after the seeds, with the same bytes for the same seed', async () => {
    const engine = new Engine({ islandThreads: 1 });
    try {
      // Two refine islands go through the 12 seeds in six generations; the seventh and eighth inline.
      const options = { verify: 'off', islands: 2, generations: 8, strategy: 'refine', seed: 5 } as const;
      const first = await engine.optimize(wat(MODULE), options);
      const second = await engine.optimize(wat(MODULE), options);
      expect(Buffer.from(second.output).equals(Buffer.from(first.output))).toBe(true);
      expect(first.report.champion.genome.some((step) => step.endsWith(' inline:scale | inlining-optimizing'))).toBe(true);
      expect(first.report.champion.generation).toBeGreaterThanOrEqual(7);
      expect(transcript(first.output)).toEqual(transcript(wat(MODULE)));
    } finally {
      await engine.close();
    }
  });
});
