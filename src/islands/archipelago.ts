import type { GenerationRecord, MigrationRecord, Objective, SearchStrategy, Topology } from '../protocol/report.js';
import { Prng } from '../util/prng.js';
import { cloneKnobs, describeGenome, type AssemblyStep, type Genome, type LineageStep } from './genome.js';
import { crossover, mutate } from './mutation.js';
import { best, better, extendProof, fairReplace, sameModule, wouldEnter, type Resident, type ResidentProof } from './population.js';
import type { BinaryenPool, EvaluateRequest } from '../workers/binaryen-pool.js';
import { ASSEMBLE_PASS, ASSEMBLY_CLEANUP, type EvaluateResult } from '../workers/binaryen-tasks.js';
import { alternativeSteps, evaluateAlternatives, type StartingPopulation } from './alternatives.js';
import { BodyPool } from './body-pool.js';
import { appliedGenome, checkedGenome, defaultPipelinePasses, INLINING_TRIALS, inliningGenome, PIPELINE_PREFIXES, REFINEMENT_SEEDS, seedGenome, type Alternative } from './presets.js';
import { DEFAULT_PIPELINE } from './catalogue.js';
import { neighbours } from './topology.js';
import { functionBodySizes } from '../wasm/names.js';

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
   * Strict mode: each evaluation applies its genome pass by pass with every step checked (the alternatives
   * and assemblies included), so every resident is a module proved equivalent to the input, with its proof,
   * and the search scores proved modules. Called per evaluation for the services its checks use.
   */
  checks?: (evaluation: Evaluation) => NonNullable<EvaluateRequest['checks']>;
  /** With checks: run `*-optimizing` passes as their parts (see splitNestedPipelines) instead of one step each. */
  splitNestedPipelines?: boolean;
  /** What generation 0 runs (default: every alternative of presets.ts); the champion is never larger than any of these. */
  alternatives?: readonly Alternative[];
  /**
   * Unchecked search whose champion is checked afterwards (report mode): an assembly step keeps the modules
   * its bodies may come from, so that the check can apply it again.
   */
  keepAssemblySources?: boolean;
}

/** One evaluation (a genome applied, or an assembly), for progress. */
export interface Evaluation {
  /** Unique within the search. */
  id: string;
  island: number;
  generation: number;
  /** Every step proved as it is applied (strict mode), not binaryen alone. */
  checked: boolean;
}

export interface ArchipelagoHooks {
  signal?: AbortSignal | undefined;
  /**
   * Ends the search at the next point where none of its evaluations runs (before each generation, and between
   * generation 0's screening and its proofs), rejecting with this signal's reason. Unlike `signal`, which
   * terminates busy workers, it leaves the pool as it is (warm) and costs up to one generation's wait.
   */
  stop?: AbortSignal | undefined;
  onGeneration?: (generation: number, of: number) => void;
  /** Awaited after each generation with the best module found so far. */
  afterGeneration?: (generation: number, champion: Resident) => Promise<void>;
  /**
   * `count` more evaluations, checked or not, will run in `generation` (called before they start); a negative
   * count takes back planned ones that will not run.
   */
  onPlanned?: (generation: number, count: number, checked: boolean) => void;
  /** Every evaluation's result, as it arrives. */
  onEvaluated?: (evaluation: Evaluation, result: EvaluateResult) => void;
}

export interface ArchipelagoResult {
  champion: Resident;
  /** binaryen's own -Oz of the input (an alternative of generation 0), or undefined if that evaluation failed. */
  baseline: { resident: Resident; ms: number } | undefined;
  /** Every island's residents at the end, best first. */
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

/** One generation's outcome on one island, for the history. */
interface Tally {
  evaluations: number;
  failures: number;
  ms: number;
}

/**
 * Generation 0 evaluates the alternatives a user would run instead (-Oz, -Oz ×2, -O3 -Oz, …; see presets.ts;
 * config.alternatives, by default all of them) on the whole pool; alternative i starts on island i mod
 * islands, and every module they produce feeds the per-function choice. A checked search proves only the
 * best of them and screens later children and assemblies unchecked first (startingPopulation, applyScreened,
 * assembleChampion). Later generations are synchronous: every island evaluates one child, all islands in
 * parallel on the pool, then migration. After each generation
 * (after the last one only, for multi-start) the champion is assembled per function with the smallest
 * compatible bodies any island produced (workers/assemble.ts); when smaller, it migrates to every island.
 * Generations are counted, not timed, so a seed fixes the output; only a time budget can cut the search short
 * (and the report then says the run was not deterministic).
 */
export async function runArchipelago(
  pool: BinaryenPool,
  config: ArchipelagoConfig,
  hooks: ArchipelagoHooks = {},
): Promise<ArchipelagoResult> {
  // A time budget ends the search between generations and, in a checked search, a proof between two passes
  // (PipelineRun.deadline): Date.now(), because workers compare against it too.
  const deadline = config.timeBudgetMs === undefined ? undefined : Date.now() + config.timeBudgetMs;
  const overBudget = () => deadline !== undefined && Date.now() > deadline;
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
  const bodies = new BodyPool(config.input);
  const inlining = inliningTrials(pool, config.flags);
  let baseline: ArchipelagoResult['baseline'];
  let completed = true;
  let evaluations = 0;
  // Functions the solver gave up on in a checked pipeline: later pipelines check their steps with the value
  // graph alone (see Pipeline.gaveUp). An evaluator gives what was known when it was made (at the start of a
  // generation, and for its assembly once its children are done), so that concurrent evaluations cannot change
  // what another is given.
  const solverGaveUp = new Set<string>();
  /** Applies genomes in `generation`; `checked: false` skips the checks of a checked search (a screening run). */
  const evaluateIn = (generation: number, checked = !!config.checks): Evaluate => {
    const given = [...solverGaveUp].sort();
    return async (base, genome, island, assembly) => {
      const evaluation: Evaluation = { id: `${generation}/${evaluations++}`, island, generation, checked: checked && !!config.checks };
      const result = await pool.evaluate(
        {
          base,
          flags: config.flags,
          genome: checked ? checkedGenome(genome, config.splitNestedPipelines ?? false) : genome,
          objective: config.objective,
          // A screening run only ranks, and its -Oz is the report's baseline: the fault goes into checked runs.
          ...(config.plantFault && island === config.islands - 1 && (checked || !config.checks) ? { plantFault: config.plantFault } : {}),
          ...(checked && config.checks ? { checks: { ...config.checks(evaluation), ...(given.length ? { solverGaveUp: given } : {}), ...(deadline === undefined ? {} : { deadline }) } } : {}),
          ...(assembly ? { assembly } : {}),
        },
        hooks.signal,
      );
      if (result.ok) for (const name of result.solverGaveUp ?? []) solverGaveUp.add(name);
      if (result.ok && result.stopped) completed = false;
      hooks.onEvaluated?.(evaluation, result);
      return result;
    };
  };

  for (let generation = 0; generation <= config.generations; generation++) {
    if (hooks.signal?.aborted) throw hooks.signal.reason;
    if (hooks.stop?.aborted) throw hooks.stop.reason;
    if (generation > 0 && overBudget()) {
      completed = false;
      break;
    }
    hooks.onGeneration?.(generation, config.generations);
    let tallies: Tally[];
    const evaluate = evaluateIn(generation);
    if (generation === 0) {
      const start = await startingPopulation(config, evaluate, evaluateIn(generation, false), bodies, hooks, overBudget);
      for (const { resident } of start.alternatives) if (resident) fairReplace(islands[resident.island]!.residents, resident, capacity);
      for (const failure of start.failures) failures.push({ generation, ...failure });
      baseline = start.baseline;
      tallies = start.work;
    } else {
      tallies = await evolve(islands, generation, config, evaluate, evaluateIn(generation, false), capacity, bodies, inlining, failures, hooks);
    }
    islands.forEach((island) => record(history, island, generation, tallies[island.index]!));
    if (!config.multiStart) migrate(islands, config, generation, capacity, migrations);
    const last = generation === config.generations || overBudget();
    // With migration, the per-function winners travel every generation: the assembled champion goes to every
    // island. Multi-start islands stay apart; their winners are combined once, at the end. Past the budget a
    // checked assembly would only be stopped before its first pass.
    if ((last || !config.multiStart) && !(config.checks && overBudget())) {
      const assembled = await assembleChampion(pool, islands, config, bodies, generation, failures, evaluateIn(generation), hooks);
      if (assembled) settle(assembled, config.multiStart ? [islands[assembled.island]!] : islands, capacity, migrations);
    }
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
    // Best first: an assembly shares its base's island and generation, and whoever looks a module up by
    // those must find the better of the two.
    residents: islands.map((island) => [...island.residents].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0))),
    history,
    migrations,
    failures,
    completed,
  };
}

/** An assembled champion joins its base's island and, as a migrant (fair-replace), the other islands given. */
function settle(assembled: Resident, islands: Island[], capacity: number, log: MigrationRecord[]): void {
  for (const island of islands) {
    const accepted = fairReplace(island.residents, assembled, capacity);
    if (island.index === assembled.island) continue;
    const genome = assembled.lineage.map(describeGenome).join(' ⟶ ');
    log.push({ generation: assembled.generation, from: assembled.island, to: island.index, genome, score: assembled.score.value, accepted });
  }
}

/** Applies a genome (or, with `assembly`, the assembly pseudo-pass and its cleanup) on the pool. */
type Evaluate = (base: Uint8Array, genome: Genome, island: number, assembly?: EvaluateRequest['assembly']) => Promise<EvaluateResult>;

/** One generation after the first: every island evaluates one child, in parallel on the pool. */
async function evolve(
  islands: Island[],
  generation: number,
  config: ArchipelagoConfig,
  evaluate: Evaluate,
  screen: Evaluate,
  capacity: number,
  bodies: BodyPool,
  inlining: InliningTrials,
  failures: ArchipelagoResult['failures'],
  hooks: ArchipelagoHooks,
): Promise<Tally[]> {
  const inputFunctions = [...functionBodySizes(config.input).keys()];
  const sweeps = islands.map((island) => sweepSeed(islands, island, generation));
  const toInline = await chooseInlining(islands, sweeps, inlining);
  const children = islands.map((island, i) => proposeChild(island, config, inputFunctions, sweeps[i], toInline[i]));
  // In the last generation only the champion matters: a child that enters its island without beating the
  // champion is never used again, so its proof would be spent for nothing. A sweep's child matters only when
  // it beats its island's best: the sweep's next child starts from that best again, so a resident below it
  // is no parent while the sweep lasts (a default run's generations are all sweep).
  const champion = generation === config.generations ? best(islands.flatMap((island) => island.residents)) : undefined;
  const toBeat = (island: Island, i: number) => champion ?? (sweeps[i] !== undefined ? best(island.residents) : undefined);
  const steps = children.reduce((n, child) => n + (child?.steps.length ?? 0), 0);
  hooks.onPlanned?.(generation, steps, false);
  // Each screened child's checked run is planned too (and taken back when the screen keeps it out), so the
  // screens alone never fill the generation's share of the bar.
  if (config.checks) hooks.onPlanned?.(generation, steps, true);
  const outcomes = await Promise.all(
    islands.map((island, i) => (config.checks ? applyScreened(children[i], island, generation, evaluate, screen, capacity, toBeat(island, i), hooks) : applyChild(children[i], island.index, evaluate, false))),
  );
  return islands.map((island, i) => {
    const child = children[i];
    const outcome = outcomes[i];
    if (!child || !outcome) return { evaluations: 0, failures: 0, ms: 0 };
    for (const named of outcome.produced) bodies.offer(named);
    const { result } = outcome;
    const tally = { evaluations: outcome.evaluations, failures: result.ok ? 0 : 1, ms: outcome.ms };
    if (outcome.screenedOut) return tally;
    if (!result.ok) {
      failures.push({ generation, island: island.index, error: result.error });
      return tally;
    }
    const resident: Resident = {
      lineage: [...child.prefix, ...outcome.applied],
      named: result.named,
      stripped: result.stripped,
      score: result.score,
      island: island.index,
      generation,
      ...(outcome.proof ? { proof: outcome.proof } : {}),
    };
    fairReplace(island.residents, resident, capacity);
    return tally;
  });
}

/**
 * What applying a child gave: `applied` its steps as they ran (appliedGenome); `screenedOut` when its unchecked
 * run showed it could not enter its island.
 */
type ChildOutcome = { result: EvaluateResult; produced: Uint8Array[]; applied: Genome[]; evaluations: number; ms: number; proof?: ResidentProof; screenedOut?: boolean };

/**
 * A checked search's child: applied unchecked first (binaryen alone, a small fraction of a checked run), and
 * checked only when that module would enter its island (a refinement that changed nothing gives a module the
 * island holds already: checked, it would come out the same or with steps sent back), or, when `toBeat` is
 * given, only when it beats that (the champion in the last generation, the island's best during a sweep).
 * Checking reverts what it cannot prove, so a proved module is almost never smaller than its unchecked run;
 * spending proofs on children that cannot win is what made strict mode slow. Either way the unchecked modules
 * are donors of the per-function choice, whose every taken body is checked at the assembly step.
 * Deterministic: the screen is binaryen's output.
 */
async function applyScreened(
  child: Child | undefined,
  island: Island,
  generation: number,
  evaluate: Evaluate,
  screen: Evaluate,
  capacity: number,
  toBeat: Resident | undefined,
  hooks: ArchipelagoHooks,
): Promise<ChildOutcome | undefined> {
  const screened = await applyChild(child && { ...child, proof: undefined }, island.index, screen, false);
  const worthChecking = (unchecked: Pick<Resident, 'stripped' | 'score' | 'island' | 'generation'>) =>
    toBeat ? better(unchecked, toBeat) : wouldEnter(island.residents, unchecked, capacity);
  if (!child || !screened || !screened.result.ok || !worthChecking({ ...screened.result, island: island.index, generation })) {
    if (child) hooks.onPlanned?.(generation, -child.steps.length, true);
    return screened && { ...screened, screenedOut: screened.result.ok };
  }
  const checked = await applyChild(child, island.index, evaluate, true);
  return checked && { ...checked, produced: [...screened.produced, ...checked.produced], evaluations: screened.evaluations + checked.evaluations, ms: screened.ms + checked.ms };
}

/**
 * Generation 0: the alternatives a user would run instead (presets.ts). Without checks each is a resident.
 * With checks every alternative runs unchecked first (all of them donate bodies to the per-function choice),
 * and only the best distinct ones are applied again with every step checked to become residents (at most
 * one per island): proving all of them pass by pass cost most of a strict run (rabin: 5 chains, 138 s) while
 * the later generations and the assembly start from the best one anyway.
 */
async function startingPopulation(
  config: ArchipelagoConfig, evaluate: Evaluate, screen: Evaluate, bodies: BodyPool, hooks: ArchipelagoHooks, overBudget: () => boolean,
): Promise<StartingPopulation & Pick<ArchipelagoResult, 'baseline'>> {
  hooks.onPlanned?.(0, alternativeSteps(config.islands, config.alternatives).length, false);
  // The first proof, planned before the screens run (its steps are known once they have ranked the alternatives).
  if (config.checks) hooks.onPlanned?.(0, 1, true);
  const screened = await evaluateAlternatives(config.islands, config.input, config.checks ? screen : evaluate, config.alternatives);
  for (const resident of screened.produced) bodies.offer(resident.named);
  // binaryen's own -Oz: with checks, its screening run (the proved -Oz may have reverted steps).
  const oz = screened.alternatives.find((a) => a.alternative.name === '-Oz');
  const baseline = oz?.resident && { resident: oz.resident, ms: oz.ms };
  if (!config.checks) return { ...screened, baseline };
  if (hooks.stop?.aborted) throw hooks.stop.reason;
  const ranked = screened.alternatives
    .filter((a): a is typeof a & { resident: Resident } => a.resident !== undefined)
    .sort((a, b) => (better(a.resident, b.resident) ? -1 : better(b.resident, a.resident) ? 1 : 0));
  const distinct: typeof ranked = [];
  for (const entry of ranked) if (!distinct.some((d) => sameModule(d.resident, entry.resident))) distinct.push(entry);
  // The best alternative (by its unchecked module) is proved; the next one only while every one proved so far
  // came out behind it unchecked (its reverted steps cost more than the margin). Proving the two best always
  // gave the same bytes on the eight bench modules and took 5–45 % longer.
  let proved: StartingPopulation | undefined;
  for (const [index, { alternative, resident }] of distinct.entries()) {
    if (index >= Math.min(MAX_PROVED_ALTERNATIVES, config.islands)) break;
    if (proved && (overBudget() || !worthProving(resident, proved.alternatives.map((a) => a.resident)))) break;
    hooks.onPlanned?.(0, alternativeSteps(config.islands, [alternative]).length - (index === 0 ? 1 : 0), true);
    const run = await evaluateAlternatives(config.islands, config.input, evaluate, [alternative], index);
    proved = proved ? joinPopulations(proved, run) : run;
  }
  if (!proved) return { ...screened, baseline };
  return { ...proved, failures: [...screened.failures, ...proved.failures], work: sumWork(proved.work, screened.work), baseline };
}

/**
 * Whether a checked search proves one more alternative, `next` by its unchecked module: only when every
 * alternative proved so far (undefined: its proof failed) came out behind it.
 */
export function worthProving(next: Pick<Resident, 'score'>, proved: ReadonlyArray<Pick<Resident, 'score'> | undefined>): boolean {
  const ahead = (x: Pick<Resident, 'score'>, y: Pick<Resident, 'score'>) =>
    x.score.value < y.score.value || (x.score.value === y.score.value && x.score.size < y.score.size);
  return proved.every((p) => !p || ahead(next, p));
}

/** How many generation-0 alternatives a checked search may prove (see startingPopulation). */
const MAX_PROVED_ALTERNATIVES = 2;

function sumWork(x: StartingPopulation['work'], y: StartingPopulation['work']): StartingPopulation['work'] {
  return x.map((tally, i) => ({
    evaluations: tally.evaluations + y[i]!.evaluations,
    failures: tally.failures + y[i]!.failures,
    ms: tally.ms + y[i]!.ms,
  }));
}

function joinPopulations(x: StartingPopulation, y: StartingPopulation): StartingPopulation {
  return {
    alternatives: [...x.alternatives, ...y.alternatives],
    produced: [...x.produced, ...y.produced],
    failures: [...x.failures, ...y.failures],
    work: sumWork(x.work, y.work),
  };
}

/**
 * Applies a child's genomes one after another; stops at the first that fails. With checks, the module's proof
 * is its prefix's proof extended by each step's; a step that comes back without one fails the child, so no
 * resident of a checked search lacks a chain from the input.
 */
async function applyChild(
  child: Child | undefined,
  island: number,
  evaluate: Evaluate,
  checked: boolean,
): Promise<ChildOutcome | undefined> {
  if (!child) return undefined;
  let base = child.base;
  let ms = 0;
  let proof = child.proof;
  const produced: Uint8Array[] = [];
  const applied: Genome[] = [];
  let result: EvaluateResult | undefined;
  for (const genome of child.steps) {
    result = await evaluate(base, genome, island);
    ms += result.ms;
    applied.push(appliedGenome(genome, result));
    if (result.ok && checked) {
      if (!result.proof || (child.prefix.length > 0 && !child.proof)) {
        result = { ok: false, error: 'a checked evaluation came back without the proof of its chain', aborted: false, ms: result.ms };
      } else {
        proof = extendProof(proof, result.proof);
      }
    }
    if (!result.ok) break;
    produced.push(result.named);
    base = result.named;
  }
  return { result: result!, produced, applied, evaluations: produced.length + (result!.ok ? 0 : 1), ms, ...(proof && result!.ok ? { proof } : {}) };
}

function record(history: GenerationRecord[], island: Island, generation: number, tally: Tally): void {
  const top = best(island.residents);
  if (!top) return;
  history.push({
    generation,
    island: island.index,
    best: top.score.value,
    bestSize: top.score.size,
    genome: top.lineage.map(describeGenome).join(' ⟶ '),
    ...tally,
  });
}

/**
 * The per-function choice: the champion with, per function, the smallest compatible body of the input or of
 * any module the islands produced, then the cleanup passes of workers/assemble.ts. Returned when it beats the
 * champion; not tried again while neither the champion nor the bodies on offer changed.
 *
 * With checks (strict mode) the assembly is one more step of the proof-carrying pipeline, on the champion's
 * proved module: the `assemble` pseudo-pass writes the donors' bodies in, and each body it replaced is
 * checked like any pass step — against the champion's body of that function, with the champion's module as
 * the context of both sides (verify/pass-step.ts) — and goes back unless proved; the cleanup passes are
 * checked steps too. That is the whole argument, and it asks nothing of the donors: a donor's body is only a
 * candidate, so neither its own chain nor its module's globals, signatures or segments need to match
 * (assemble.ts's compatibility rules only keep candidates out that could not be proved or would not
 * validate). The chain of the assembled module is the champion's followed by this step, and its certificate
 * segment carries the donors that gave a kept body, so `atoll verify --proof` rebuilds the same candidates and
 * proves every kept one again. Checking against the champion rather than through the donors' own chains is
 * what makes the step sound on its own: two bodies each proved equal to the input's under their own module's
 * context (a global nothing reads there, a callee inlined there) need not be interchangeable in a third.
 */
async function assembleChampion(
  pool: BinaryenPool,
  islands: Island[],
  config: ArchipelagoConfig,
  bodies: BodyPool,
  generation: number,
  failures: ArchipelagoResult['failures'],
  evaluate: Evaluate,
  hooks: ArchipelagoHooks,
): Promise<Resident | undefined> {
  const champion = best(islands.flatMap((island) => island.residents));
  if (!champion || !bodies.changedSince(champion)) return undefined;
  const donors = bodies.donors().filter((named) => named !== champion.named);
  const knobs = lastGenome(champion).knobs;
  const unchecked = await assembleUnchecked(pool, champion, config, donors, knobs, hooks.signal);
  // With checks, the assembly is screened unchecked first, as children are (applyScreened): checking sends
  // bodies back, so a checked assembly is not smaller than its unchecked run, and one that cannot beat the
  // champion is not worth its proofs (it lost 7 of 10 times on the bench's small modules).
  if (config.checks && unchecked.ok && !better({ ...unchecked, island: champion.island, generation }, champion)) return undefined;
  // Only the checked assembly is an evaluation on the progress bar (the unchecked one is binaryen alone, not a pool evaluation).
  if (config.checks) hooks.onPlanned?.(generation, 1, true);
  const made = config.checks ? await assembleChecked(champion, config, donors, knobs, evaluate) : unchecked;
  if (!made.ok) {
    failures.push({ generation, island: champion.island, error: `assembly: ${made.error}` });
    return undefined;
  }
  const assembled: Resident = {
    lineage: [...champion.lineage, made.step],
    named: made.named,
    stripped: made.stripped,
    score: made.score,
    island: champion.island,
    generation,
    ...(made.proof ? { proof: made.proof } : {}),
  };
  return better(assembled, champion) ? assembled : undefined;
}

type Assembled =
  | { ok: true; step: AssemblyStep; named: Uint8Array; stripped: Uint8Array; score: Resident['score']; proof?: ResidentProof }
  | { ok: false; error: string };

async function assembleUnchecked(
  pool: BinaryenPool,
  champion: Resident,
  config: ArchipelagoConfig,
  donors: Uint8Array[],
  knobs: Genome['knobs'],
  signal: AbortSignal | undefined,
): Promise<Assembled> {
  const result = await pool.assemble({ input: config.input, base: champion.named, donors, flags: config.flags, knobs, objective: config.objective }, signal);
  if (!result.ok) return result;
  const used = [...new Set(result.taken.map((t) => t.donor))].sort((a, b) => a - b);
  const step: AssemblyStep = {
    kind: 'assembly',
    bodies: result.taken.length,
    donors: used.length,
    cleanup: ASSEMBLY_CLEANUP,
    // Donor -1 is the input, which the check has anyway.
    ...(config.keepAssemblySources ? { sources: used.filter((i) => i >= 0).map((i) => donors[i]!) } : {}),
  };
  return { ok: true, step, named: result.named, stripped: result.stripped, score: result.score };
}

async function assembleChecked(champion: Resident, config: ArchipelagoConfig, donors: Uint8Array[], knobs: Genome['knobs'], evaluate: Evaluate): Promise<Assembled> {
  if (!champion.proof) return { ok: false, error: 'the champion has no proof to extend' };
  const genome: Genome = { kind: 'refine', passes: [ASSEMBLE_PASS, ...ASSEMBLY_CLEANUP], knobs: { ...knobs, converge: 1 } };
  const result = await evaluate(champion.named, genome, champion.island, { input: config.input, donors });
  if (!result.ok) return { ok: false, error: result.error };
  if (!result.proof) return { ok: false, error: 'the checked assembly came back without its proof' };
  // A withdrawn assemble step leaves no count: nothing was taken.
  const { bodies, donors: from } = result.assembled ?? { bodies: 0, donors: 0 };
  const step: AssemblyStep = { kind: 'assembly', bodies, donors: from, cleanup: ASSEMBLY_CLEANUP };
  return { ok: true, step, named: result.named, stripped: result.stripped, score: result.score, proof: extendProof(champion.proof, result.proof) };
}

/** The first genome of a lineage: the pipeline applied to the input. */
function pipelineOf(resident: Resident): Genome {
  return resident.lineage.find((step): step is Genome => step.kind !== 'assembly')!;
}

/**
 * The pipeline to mutate: binaryen's own preset (one `default-pipeline` pass) written out as its explicit pass
 * list at the same levels, so that mutation can work on its passes; any other pipeline as it is.
 */
function explicitPipelineOf(resident: Resident): Genome {
  const genome = pipelineOf(resident);
  if (genome.passes.length !== 1 || genome.passes[0] !== DEFAULT_PIPELINE) return genome;
  return { ...genome, passes: defaultPipelinePasses(genome.knobs.optimizeLevel, genome.knobs.shrinkLevel) };
}

/** The last genome applied in a lineage (an assembly keeps the knobs its base was emitted with). */
function lastGenome(resident: Resident): Genome {
  return resident.lineage.findLast((step): step is Genome => step.kind !== 'assembly')!;
}

/** How often a pipeline island recombines two residents' pipelines instead of mutating one alone. */
const CROSSOVER_RATE = 0.25;

/** What an island evaluates: `steps` applied in order to `base`; the module's lineage is `prefix` then `steps`. */
interface Child {
  base: Uint8Array;
  prefix: LineageStep[];
  steps: Genome[];
  /** With checks: the proof of `base` (the prefix's chain). */
  proof?: ResidentProof;
}

/**
 * What an island evaluates after generation 0. A pipeline island mutates the first genome of a resident's
 * lineage (its pipeline, or a crossover of two residents' pipelines) and applies it to the input followed by
 * the rest of that lineage's genomes: `-O3 -Oz` becomes a mutated `-O3`, then `-Oz`. A refine island applies
 * a short sequence on top of a resident's module.
 */
function proposeChild(island: Island, config: ArchipelagoConfig, inputFunctions: readonly string[], sweep: number | undefined, toInline: string | undefined): Child | undefined {
  if (toInline !== undefined) {
    const top = best(island.residents)!;
    const genome = inliningGenome(toInline, lastGenome(top).knobs);
    return { base: top.named, prefix: top.lineage, steps: [genome], ...(top.proof ? { proof: top.proof } : {}) };
  }
  if (sweep !== undefined && (island.strategy === 'pipeline' || sweep < REFINEMENT_SEEDS.length)) {
    const top = best(island.residents);
    if (!top) return undefined;
    if (island.strategy === 'pipeline') {
      // A prefix in front of the best module's pipeline, then the rest of its lineage as it was.
      const pipeline = explicitPipelineOf(top);
      const genome: Genome = { ...pipeline, passes: [...PIPELINE_PREFIXES[sweep]!, ...pipeline.passes], knobs: cloneKnobs(pipeline.knobs) };
      return { base: config.input, prefix: [], steps: [genome, ...restOf(top, genome)] };
    }
    // A seed as it is, on the island's best module (the assembled champion, after migration).
    const genome = seedGenome(REFINEMENT_SEEDS[sweep]!, lastGenome(top).knobs);
    return { base: top.named, prefix: top.lineage, steps: [genome], ...(top.proof ? { proof: top.proof } : {}) };
  }
  const parent = pickParent(island);
  if (!parent) return undefined;
  if (island.strategy === 'pipeline') {
    const present = functionBodySizes(parent.named);
    const inlined = inputFunctions.filter((name) => !present.has(name));
    // Now and then, recombine the pipelines of two residents (one may be a migrant) before mutating.
    const other = island.residents.find((r) => r !== parent);
    const start =
      other && island.rng.chance(CROSSOVER_RATE)
        ? crossover(explicitPipelineOf(parent), explicitPipelineOf(other), island.rng)
        : explicitPipelineOf(parent);
    const { genome } = mutate(start, config.passes, island.rng, inlined);
    return { base: config.input, prefix: [], steps: [genome, ...restOf(parent, genome)] };
  }
  const last = parent.lineage[parent.lineage.length - 1]!;
  const start: Genome =
    last.kind === 'refine' && island.rng.chance(0.7) ? last : seedGenome(island.rng.pick(REFINEMENT_SEEDS), lastGenome(parent).knobs);
  // What the parent inlined is gone from its module: a refinement cannot keep it from inlining.
  const { genome } = mutate(start, config.passes, island.rng);
  return { base: parent.named, prefix: parent.lineage, steps: [genome], ...(parent.proof ? { proof: parent.proof } : {}) };
}

/** The refine genomes of a lineage, re-applied after a new pipeline: a function it keeps from inlining stays so. */
function restOf(resident: Resident, pipeline: Genome): Genome[] {
  return resident.lineage
    .filter((step): step is Genome => step.kind === 'refine')
    .map((step) => ({ ...step, knobs: { ...step.knobs, noInline: pipeline.knobs.noInline } }));
}

/**
 * The sweep: what an island applies unmutated in `generation`, or undefined once all was tried. Refine islands
 * go through REFINEMENT_SEEDS in order, one seed each per generation (island r of R refine islands takes seed
 * (generation − 1) × R + r), so that a short search tries the most useful ones first and every seed is tried
 * once before mutation takes over, then through INLINING_TRIALS functions inlined one at a time (indices from
 * REFINEMENT_SEEDS.length on; see chooseInlining); pipeline islands go through PIPELINE_PREFIXES the same
 * way. Deterministic: it depends on the generation only.
 */
export function sweepSeed(islands: ReadonlyArray<{ strategy: 'pipeline' | 'refine' }>, island: { strategy: 'pipeline' | 'refine' }, generation: number): number | undefined {
  if (generation < 1) return undefined;
  const alike = islands.filter((i) => i.strategy === island.strategy);
  const index = (generation - 1) * alike.length + alike.indexOf(island);
  return index < (island.strategy === 'refine' ? REFINEMENT_SEEDS.length + INLINING_TRIALS : PIPELINE_PREFIXES.length) ? index : undefined;
}

/** The inlining candidates of a module (asked of the pool once per module) and the functions already tried. */
interface InliningTrials {
  candidates(named: Uint8Array): Promise<readonly string[]>;
  tried: Set<string>;
}

function inliningTrials(pool: BinaryenPool, flags: number): InliningTrials {
  const lists = new WeakMap<Uint8Array, Promise<readonly string[]>>();
  return {
    candidates(named) {
      let list = lists.get(named);
      if (!list) {
        list = pool.inliningCandidates(named, flags);
        lists.set(named, list);
      }
      return list;
    },
    tried: new Set(),
  };
}

/**
 * The function each refine island in the inlining part of its sweep inlines this generation: refine island r
 * of those takes the r-th candidate of its best module not tried before (by any island, in any generation:
 * the best module changes as the search goes, and a name tried once is not tried again). Undefined where an
 * island is elsewhere in its sweep or has no candidate left (it mutates instead).
 */
async function chooseInlining(islands: Island[], sweeps: ReadonlyArray<number | undefined>, inlining: InliningTrials): Promise<Array<string | undefined>> {
  const inSweep = islands.filter((island, i) => island.strategy === 'refine' && (sweeps[i] ?? -1) >= REFINEMENT_SEEDS.length && best(island.residents));
  const lists = await Promise.all(inSweep.map((island) => inlining.candidates(best(island.residents)!.named)));
  const chosen = inSweep.map((_, r) => lists[r]!.filter((name) => !inlining.tried.has(name))[r]);
  for (const name of chosen) if (name !== undefined) inlining.tried.add(name);
  return islands.map((island) => {
    const r = inSweep.indexOf(island);
    return r < 0 ? undefined : chosen[r];
  });
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
