import type { GenerationRecord, MigrationRecord, Objective, SearchStrategy, Topology } from '../protocol/report.js';
import { Prng } from '../util/prng.js';
import { describeGenome, type Genome } from './genome.js';
import { crossover, mutate } from './mutation.js';
import { best, fairReplace, type Resident, type ResidentProof } from './population.js';
import type { BinaryenPool, EvaluateRequest } from '../workers/binaryen-pool.js';
import type { EvaluateResult } from '../workers/binaryen-tasks.js';
import { checkedGenome, islandStart, REFINEMENT_SEEDS } from './presets.js';
import { neighbours } from './topology.js';

export interface ArchipelagoConfig {
  islands: number;
  strategy: SearchStrategy;
  generations: number;
  seed: number;
  objective: Objective;
  topology: Topology;
  /** Same islands, no migration. */
  multiStart: boolean;
  timeBudgetMs: number | undefined;
  /** The input as binaryen emits it with names: what pipeline genomes are applied to. */
  input: Uint8Array;
  flags: number;
  /** Passes mutation may insert (searchable for the module's features). */
  passes: readonly string[];
  /** Residents per island. */
  capacity?: number;
  /** Test-only: the last island corrupts this function after its passes. */
  plantFault?: string | undefined;
  /**
   * Strict mode: each evaluation applies its genome pass by pass with every step checked, so every resident
   * is a module proved equivalent to the input and the search scores proved modules. Called per evaluation
   * for the services its checks use.
   */
  checks?: (island: number, generation: number) => NonNullable<EvaluateRequest['checks']>;
  /** With checks: run `*-optimizing` passes as their parts (see splitNestedPipelines) instead of one step each. */
  splitNestedPipelines?: boolean;
}

export interface ArchipelagoHooks {
  signal?: AbortSignal | undefined;
  onGeneration?: (generation: number, of: number) => void;
  /** Awaited after each generation with the best module found so far. */
  afterGeneration?: (generation: number, champion: Resident) => Promise<void>;
  /** Every evaluation's result, as it arrives. */
  onEvaluated?: (island: number, generation: number, result: EvaluateResult) => void;
}

export interface ArchipelagoResult {
  champion: Resident;
  /** Island 0's generation-0 module: binaryen's own -Oz, or undefined if that evaluation failed. */
  baseline: { resident: Resident; ms: number } | undefined;
  /** Every island's residents at the end. */
  residents: Resident[][];
  history: GenerationRecord[];
  migrations: MigrationRecord[];
  failures: Array<{ generation: number; island: number; error: string }>;
  /** False when the time budget, not the generation count, ended the search. */
  completed: boolean;
}

interface Island {
  index: number;
  strategy: 'pipeline' | 'refine';
  rng: Prng;
  residents: Resident[];
}

/**
 * Synchronous generations: every island evaluates one child per generation, all islands in parallel on the
 * pool, then migration. Generations are counted, not timed, so a seed fixes the output; only a time budget
 * can cut the search short (and the report then says the run was not deterministic).
 */
export async function runArchipelago(
  pool: BinaryenPool,
  config: ArchipelagoConfig,
  hooks: ArchipelagoHooks = {},
): Promise<ArchipelagoResult> {
  const started = performance.now();
  const capacity = config.capacity ?? 2;
  const islands: Island[] = Array.from({ length: config.islands }, (_, index) => ({
    index,
    strategy: config.strategy === 'mixed' ? (index % 2 === 0 ? 'pipeline' : 'refine') : config.strategy,
    rng: new Prng(config.seed, index),
    residents: [],
  }));
  const history: GenerationRecord[] = [];
  const migrations: MigrationRecord[] = [];
  const failures: ArchipelagoResult['failures'] = [];
  let baseline: ArchipelagoResult['baseline'];
  let completed = true;

  for (let generation = 0; generation <= config.generations; generation++) {
    if (hooks.signal?.aborted) throw hooks.signal.reason;
    if (generation > 0 && config.timeBudgetMs !== undefined && performance.now() - started > config.timeBudgetMs) {
      completed = false;
      break;
    }
    hooks.onGeneration?.(generation, config.generations);
    const children = islands.map((island) => proposeChild(island, generation, config));
    const outcomes = await Promise.all(
      islands.map(async (island, i) => {
        const child = children[i];
        if (!child) return undefined;
        const result = await pool.evaluate(
          {
            base: child.base,
            flags: config.flags,
            genome: config.checks ? checkedGenome(child.genome, config.splitNestedPipelines ?? false) : child.genome,
            objective: config.objective,
            ...(config.plantFault && island.index === config.islands - 1 ? { plantFault: config.plantFault } : {}),
            ...(config.checks ? { checks: config.checks(island.index, generation) } : {}),
          },
          hooks.signal,
        );
        hooks.onEvaluated?.(island.index, generation, result);
        return { child, result };
      }),
    );
    islands.forEach((island, i) => {
      const outcome = outcomes[i];
      let evaluations = 0;
      let failed = 0;
      let ms = 0;
      if (outcome) {
        evaluations = 1;
        ms = outcome.result.ms;
        if (outcome.result.ok) {
          const resident: Resident = {
            lineage: outcome.child.lineage,
            named: outcome.result.named,
            stripped: outcome.result.stripped,
            score: outcome.result.score,
            island: island.index,
            generation,
            ...(outcome.result.proof ? { proof: extendProof(outcome.child.parent, outcome.result.proof) } : {}),
          };
          fairReplace(island.residents, resident, capacity);
          if (generation === 0 && island.index === 0) baseline = { resident, ms: outcome.result.ms };
        } else {
          failed = 1;
          failures.push({ generation, island: island.index, error: outcome.result.error });
        }
      }
      const top = best(island.residents);
      if (top) {
        history.push({
          generation,
          island: island.index,
          best: top.score.value,
          bestSize: top.score.size,
          genome: top.lineage.map(describeGenome).join(' ⟶ '),
          evaluations,
          failures: failed,
          ms,
        });
      }
    });
    if (!config.multiStart) migrate(islands, config, generation, capacity, migrations);
    const leader = best(islands.flatMap((island) => island.residents));
    if (leader && hooks.afterGeneration) await hooks.afterGeneration(generation, leader);
  }

  const everyone = islands.flatMap((island) => island.residents);
  const champion = best(everyone);
  if (!champion) {
    throw new Error(failures.map((f) => `island ${f.island}: ${f.error}`).join('; ') || 'no island produced a module');
  }
  return {
    champion,
    baseline,
    residents: islands.map((island) => island.residents),
    history,
    migrations,
    failures,
    completed,
  };
}

/** How often a pipeline island recombines two residents' pipelines instead of mutating one alone. */
const CROSSOVER_RATE = 0.25;

interface Child {
  base: Uint8Array;
  genome: Genome;
  lineage: Genome[];
  /** The resident a refine genome is applied to. */
  parent?: Resident;
}

/** A refined module's proof continues its parent's: the chain runs from the input through both. */
function extendProof(parent: Resident | undefined, proof: NonNullable<Extract<EvaluateResult, { ok: true }>['proof']>): ResidentProof {
  const { segment, ...evaluation } = proof;
  return {
    segments: [...(parent?.proof?.segments ?? []), segment],
    evaluations: [...(parent?.proof?.evaluations ?? []), evaluation],
  };
}

/** What an island evaluates this generation: its starting genome first, then a mutation of a resident. */
function proposeChild(island: Island, generation: number, config: ArchipelagoConfig): Child | undefined {
  const parent = pickParent(island);
  if (generation === 0 || !parent) {
    const genome = islandStart(island.index);
    return { base: config.input, genome, lineage: [genome] };
  }
  if (island.strategy === 'pipeline') {
    // Now and then, recombine the pipelines of two residents (one may be a migrant) before mutating.
    const other = island.residents.find((r) => r !== parent);
    const start =
      other && island.rng.chance(CROSSOVER_RATE) ? crossover(parent.lineage[0]!, other.lineage[0]!, island.rng) : parent.lineage[0]!;
    const { genome } = mutate(start, config.passes, island.rng);
    return { base: config.input, genome, lineage: [genome] };
  }
  const last = parent.lineage[parent.lineage.length - 1]!;
  const start: Genome =
    last.kind === 'refine' && island.rng.chance(0.7)
      ? last
      : { kind: 'refine', passes: [...island.rng.pick(REFINEMENT_SEEDS)], knobs: { ...parent.lineage[0]!.knobs, converge: 1 } };
  const { genome } = mutate(start, config.passes, island.rng);
  return { base: parent.named, genome, lineage: [...parent.lineage, genome], parent };
}

/** Binary tournament among the residents. */
function pickParent(island: Island): Resident | undefined {
  const { residents, rng } = island;
  if (residents.length === 0) return undefined;
  const a = rng.pick(residents);
  const b = rng.pick(residents);
  return best([a, b]);
}

/**
 * After a generation every island offers its best to its neighbours; all offers are taken from a snapshot
 * first so that the order islands are processed in cannot change what moves.
 */
function migrate(
  islands: Island[],
  config: ArchipelagoConfig,
  generation: number,
  capacity: number,
  log: MigrationRecord[],
): void {
  const offers = islands.map((island) => best(island.residents));
  islands.forEach((island) => {
    const migrant = offers[island.index];
    if (!migrant) return;
    for (const to of neighbours(config.topology, island.index, islands.length)) {
      const accepted = fairReplace(islands[to]!.residents, migrant, capacity);
      log.push({
        generation,
        from: island.index,
        to,
        genome: migrant.lineage.map(describeGenome).join(' ⟶ '),
        score: migrant.score.value,
        accepted,
      });
    }
  });
}
