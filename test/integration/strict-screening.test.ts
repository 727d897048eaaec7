import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/protocol/report.js';
import { runArchipelago, type ArchipelagoConfig, type Evaluation } from '../../src/islands/archipelago.js';
import { searchablePasses } from '../../src/islands/catalogue.js';
import { explicitPreset } from '../../src/islands/presets.js';
import { Verifier } from '../../src/verify/index.js';
import { jobVerdicts } from '../../src/verify/proof-cache.js';
import { ingestBytes } from '../../src/wasm/ingest.js';
import { BinaryenPool } from '../../src/workers/binaryen-pool.js';
import type { EvaluateResult } from '../../src/workers/binaryen-tasks.js';
import type { WorkerServices } from '../../src/workers/services.js';
import { hashWasmArgon2 } from '../hosts/hash-wasm.js';

/**
 * A checked (strict) search spends proofs only where they can win (islands/archipelago.ts): generation 0 runs
 * every alternative unchecked and proves the best one (the next only if the proved one came out behind it); a
 * later child is checked only when its unchecked run would enter its island (during a sweep: beat the island's
 * best; in the last generation: beat the champion), and an assembly only when its unchecked run beats the
 * champion. Every resident still carries its
 * chain.
 */
let pool: BinaryenPool;
let verifier: Verifier;
let services: WorkerServices;
let z3Version: string;
beforeAll(async () => {
  pool = new BinaryenPool({ threads: 2 });
  verifier = new Verifier({ threads: 2 });
  await Promise.all([pool.warmUp(), verifier.warmUp()]);
  z3Version = await verifier.z3Version();
  const verdicts = jobVerdicts(undefined, new Map<string, Verdict>());
  services = { solve: (query) => verifier.solve(query), proofGet: (key) => verdicts.get(key), proofSet: (key, verdict) => verdicts.set(key, verdict) };
});
afterAll(() => Promise.all([pool.close(), verifier.close()]));

async function search(file: string | Uint8Array, generations: number) {
  const bytes = typeof file === 'string' ? new Uint8Array(readFileSync(file)) : file;
  const input = await pool.ingest({ bytes, declared: ingestBytes(bytes).declared, override: undefined });
  const config: ArchipelagoConfig = {
    islands: 2, strategy: 'mixed', generations, seed: 1, objective: 'size', topology: 'ring', multiStart: false,
    timeBudgetMs: undefined, input: input.named, flags: input.flags, passes: searchablePasses(input.features),
    checks: () => ({ mode: 'strict', z3Version, concurrency: 2, services }),
  };
  const evaluated: Array<{ evaluation: Evaluation; result: EvaluateResult }> = [];
  const result = await runArchipelago(pool, config, { onEvaluated: (evaluation, r) => evaluated.push({ evaluation, result: r }) });
  return { result, evaluated };
}

/** One search for the tests that need a module where a child and an assembly can lose: as-sha256, 1 generation. */
let asSha256Search: ReturnType<typeof search> | undefined;
const asSha256 = () => (asSha256Search ??= search('node_modules/@chainsafe/as-sha256/build/optimized.wasm', 1));

describe('a checked search', () => {
  it('proves one of the five alternatives, the best by its unchecked size, when all its steps prove', async () => {
    const { result, evaluated } = await search('examples/demo.wasm', 0);
    const first = evaluated.filter((e) => e.evaluation.generation === 0 && e.result.ok);
    const unchecked = first.filter((e) => e.result.ok && !e.result.proof);
    const checked = first.filter((e) => e.result.ok && e.result.proof && e.result.assembled === undefined);
    // The five alternatives are eight steps (shared prefixes run once); the best on the demo is -O3 -Oz, whose
    // two steps are checked (the assembly, if any, is checked too and not counted here).
    expect(unchecked).toHaveLength(8);
    expect(checked).toHaveLength(2);
    const residents = result.residents.flat();
    expect(residents.length).toBeGreaterThan(0);
    for (const resident of residents) expect(resident.proof?.segments.length, resident.lineage.length.toString()).toBeGreaterThan(0);
    // The champion is proved and no larger than the smallest unchecked alternative's body choice allows:
    // on the demo every step proves, so it matches the best alternative (-O3 -Oz, 189 B).
    const smallest = Math.min(...unchecked.map((e) => (e.result.ok ? e.result.stripped.length : Infinity)));
    expect(result.champion.stripped.length).toBeLessThanOrEqual(smallest);
  });

  it('checks a later child only when its unchecked run would enter its island', async () => {
    const { result, evaluated } = await search('examples/demo.wasm', 3);
    const later = evaluated.filter((e) => e.evaluation.generation > 0 && e.result.ok);
    const screened = later.filter((e) => e.result.ok && !e.result.proof);
    expect(screened.length).toBeGreaterThan(0);
    // A child checked after its screen entered with a proof; one that was screened out left no resident.
    for (const resident of result.residents.flat()) expect(resident.proof).toBeDefined();
    const checkedChildren = later.filter((e) => e.result.ok && e.result.proof && e.result.assembled === undefined);
    expect(checkedChildren.length).toBeLessThan(screened.length);
  });

  it("during a sweep, checks a child only when its unchecked run beats its island's best: a checked one becomes that best", async () => {
    // Three generations of two islands (mixed): generations 1 and 2 sweep seeds and prefixes, the third is the
    // last. hash-wasm's argon2: the first seed (const-hoisting) beats every alternative on it.
    const { result, evaluated } = await search(await hashWasmArgon2.original(), 3);
    const sweep = evaluated.filter((e) => e.evaluation.generation >= 1 && e.evaluation.generation <= 2 && e.result.ok && e.result.assembled === undefined);
    expect(sweep.some((e) => !e.evaluation.checked)).toBe(true);
    let compared = 0;
    for (const generation of [1, 2]) {
      for (const island of [0, 1]) {
        const checked = sweep.filter((e) => e.evaluation.generation === generation && e.evaluation.island === island && e.evaluation.checked).at(-1);
        if (!checked || !checked.result.ok) continue;
        const record = result.history.find((h) => h.generation === generation && h.island === island)!;
        expect(record.best, `generation ${generation}, island ${island}`).toBe(checked.result.score.value);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('in the last generation, checks only a child whose unchecked run beats the champion', async () => {
    const generations = 1;
    const { evaluated } = await asSha256();
    const proved = (e: { result: EvaluateResult }) => e.result.ok && e.result.proof !== undefined;
    const champion = Math.min(...evaluated.filter((e) => e.evaluation.generation < generations && proved(e)).map((e) => (e.result.ok ? e.result.score.value : Infinity)));
    const last = evaluated.filter((e) => e.evaluation.generation === generations && e.result.ok && e.result.assembled === undefined);
    expect(last.length).toBeGreaterThan(0);
    for (const island of new Set(last.map((e) => e.evaluation.island))) {
      const runs = last.filter((e) => e.evaluation.island === island);
      const screened = runs.filter((e) => !proved(e)).at(-1);
      const checked = runs.some(proved);
      expect(checked, `island ${island}`).toBe(screened !== undefined && screened.result.ok && screened.result.score.value < champion);
    }
  });

  it('checks an assembly only when its unchecked run beats the champion', async () => {
    // Generation 0's assembly beats the proved -Oz (a body of another alternative); generation 1's takes
    // nothing new.
    const { evaluated } = await asSha256();
    let champion = Infinity;
    let assemblies = 0;
    for (const { result } of evaluated) {
      if (!result.ok || !result.proof) continue;
      if (result.assembled !== undefined) {
        assemblies++;
        expect(result.score.value).toBeLessThan(champion);
      }
      champion = Math.min(champion, result.score.value);
    }
    expect(assemblies).toBeGreaterThan(0);
  });
});

describe('a function the solver gave up on earlier in the job', () => {
  it('has its later steps checked by the value graph alone, and is named in the result', async () => {
    // A planted fault in `scale` is refuted by the solver's model; given as one the solver gave up on, the
    // same step is left unknown without asking it (and goes back all the same).
    const bytes = new Uint8Array(readFileSync('examples/demo.wasm'));
    const input = await pool.ingest({ bytes, declared: ingestBytes(bytes).declared, override: undefined });
    const run = (solverGaveUp?: string[]) => {
      // Verdicts of its own: the refutation must not come from the other run's store.
      const verdicts = jobVerdicts(undefined, new Map<string, Verdict>());
      const fresh: WorkerServices = { solve: (query) => verifier.solve(query), proofGet: (key) => verdicts.get(key), proofSet: (key, verdict) => verdicts.set(key, verdict) };
      return pool.evaluate({
        base: input.named, flags: input.flags, genome: explicitPreset('Oz'), objective: 'size', plantFault: 'scale',
        checks: { mode: 'strict', z3Version, concurrency: 2, services: fresh, ...(solverGaveUp ? { solverGaveUp } : {}) },
      });
    };
    const faultOf = (result: EvaluateResult) => (result.ok ? result.proof?.unproved.find((step) => step.function === 'scale')?.verdict : undefined);
    const asked = await run();
    expect(faultOf(asked)).toMatchObject({ status: 'refuted' });
    expect(asked.ok && asked.solverGaveUp).toEqual([]);
    const notAsked = await run(['scale']);
    expect(faultOf(notAsked)).toMatchObject({ status: 'unknown', reason: 'timeout' });
    expect(JSON.stringify(faultOf(notAsked))).toContain('not asked');
    expect(notAsked.ok && notAsked.solverGaveUp).toEqual(['scale']);
  });
});
