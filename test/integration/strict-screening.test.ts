import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/protocol/report.js';
import { runArchipelago, type ArchipelagoConfig, type Evaluation } from '../../src/islands/archipelago.js';
import { searchablePasses } from '../../src/islands/catalogue.js';
import { Verifier } from '../../src/verify/index.js';
import { jobVerdicts } from '../../src/verify/proof-cache.js';
import { ingestBytes } from '../../src/wasm/ingest.js';
import { BinaryenPool } from '../../src/workers/binaryen-pool.js';
import type { EvaluateResult } from '../../src/workers/binaryen-tasks.js';
import type { WorkerServices } from '../../src/workers/services.js';

/**
 * A checked (strict) search spends proofs only where they can win (islands/archipelago.ts): generation 0 runs
 * every alternative unchecked and proves the best one (the next only if the proved one came out behind it); a
 * later child is checked only when its unchecked run would enter its island. Every resident still carries its
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

async function search(file: string, generations: number) {
  const bytes = new Uint8Array(readFileSync(file));
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
});
