import { availableParallelism } from 'node:os';
import type { ResultCache } from '../cache/result-cache.js';
import { resultCacheKey } from '../cache/result-cache.js';
import { runArchipelago } from '../islands/archipelago.js';
import { searchablePasses } from '../islands/catalogue.js';
import { DEFAULT_KNOBS, describeGenome, type Genome, type LineageStep } from '../islands/genome.js';
import { extendProof, type Resident, type ResidentProof } from '../islands/population.js';
import { ALTERNATIVES, checkedGenome, defaultFunctionPasses, startingAlternatives, type Alternative } from '../islands/presets.js';
import { BinaryenPool } from '../workers/binaryen-pool.js';
import { ASSEMBLE_PASS, type EvaluationProof, type IncrementalResult, type IngestResult, type Score } from '../workers/binaryen-tasks.js';
import { addTotals } from '../workers/pipeline/totals.js';
import type { TaskProgress, WorkerServices } from '../workers/services.js';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import { OptionDefaults } from '../protocol/options.js';
import type { ProgressEvent } from '../protocol/progress.js';
import type { FunctionVerdict, OptimizeReport, PassStepTotals, StepRecord, Verdict, VerifyReport } from '../protocol/report.js';
import { DEFAULT_FUNCTION_TIME_MS } from '../protocol/verify.js';
import { CERTIFICATE_FORMAT, type Certificate, type CertificateStore, type SegmentKnobs } from '../verify/certificate.js';
import { chainFacts, mergeChainFacts, type ChainFacts } from '../verify/incremental-rule.js';
import { totals, Verifier, type ProofCache, type ProofEvidence } from '../verify/index.js';
import { jobVerdicts } from '../verify/proof-cache.js';
import { WARM_UP_EDIT, WARM_UP_WAT } from './warm-up-module.js';
import { declaredFeatures, parseFeatureNames } from '../wasm/features.js';
import { ingestBytes, sha256 } from '../wasm/ingest.js';
import { withoutUnusedDataCount } from '../wasm/data-count.js';
import { nameEveryFunctionAndGlobal, withoutNameSection } from '../wasm/names.js';
import { sameBytes } from '../wasm/bytes.js';
import { canonicalOptions, resolveOptions, type OptimizeOptions, type ResolvedOptions } from './options.js';
import { ProgressPlan } from './progress.js';
import { versions } from './versions.js';

export interface EngineConfig {
  /** binaryen worker threads; default: available cores. */
  islandThreads?: number;
  /** Heap limit per binaryen worker, MB. */
  islandHeapMb?: number;
  /** z3 worker threads; default: available cores. */
  solverThreads?: number;
  /** Per-query solver budget, ms of z3's counted work (Z3_WORK_PER_MS; default 5000). */
  solverTimeoutMs?: number;
  /**
   * Per-query solver budget of a strict pipeline's step checks, ms of z3's counted work (default
   * STEP_TIMEOUT_MS). A step is small and one z3 cannot settle only goes back, so it gets less than a whole
   * function's check.
   */
  stepTimeoutMs?: number;
  /** Verdicts of function pairs seen before (content-addressed; shared across jobs and restarts). */
  proofCache?: ProofCache;
  /** Answers for inputs seen before with the same options and versions. */
  resultCache?: ResultCache;
  /** Certificates of strict outputs, by input and output: `verify` of such a pair re-checks its certificate. */
  certificates?: CertificateStore;
  /**
   * Run `inlining-optimizing`, `dae-optimizing` and `simplify-globals-optimizing` as their parts (the module
   * pass, then each pass of the function pipeline on the functions it changed) rather than one step each.
   * Off by default: measured on rabin with today's checker it proved no more and gave the same bytes, and
   * whole, the explicit -Oz stays byte for byte binaryen's (README, "Figures").
   */
  splitNestedPipelines?: boolean;
  /**
   * The alternatives generation 0 runs, by name (src/islands/presets.ts, ALTERNATIVES); default all, or with
   * verify off and a short search the cheap ones (defaultAlternatives). Fewer is
   * for an embedder (or a test) that cannot afford every alternative proved step by step in strict mode; the
   * output is then never larger than the ones listed. An unknown name is a BadOption.
   */
  alternatives?: readonly string[];
}

/** How a caller follows and stops one job (the daemon passes its queue's signal and the client's progress). */
export interface JobHooks {
  signal?: AbortSignal;
  /**
   * Stops the search between its evaluations, without terminating a worker (ArchipelagoHooks.stop): the job
   * rejects with RequestCancelled. For work that became pointless (a watch's input changed again) where the
   * pools should stay warm for what comes next.
   */
  stop?: AbortSignal;
  /** Events as src/protocol/progress.ts's ProgressEvent contract says. */
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Lines for the user: a warning (something failed, was lost or is worth knowing before waiting: a cache not
   * written, a damaged name section, a long strict run ahead) unless marked `info`.
   */
  onLog?: (line: string, level?: 'warning' | 'info') => void;
}

export interface OptimizedModule {
  output: Uint8Array;
  report: OptimizeReport;
  /** strict mode: the chain of proved steps from the input to the output (`atoll optimize --proof FILE`). */
  certificate?: Certificate;
  /** How the output was made (empty when it is the input; absent when the result cache answered): what `replay` takes. */
  lineage?: readonly LineageStep[];
  /** strict mode, when the output is not the input: what `incremental` takes for the input's next content. */
  incremental?: IncrementalBase;
}

/** How a watch rebuilds an input quickly (Engine.quick): what made its last output. */
export interface QuickRebuild {
  lineage: readonly LineageStep[];
  incremental?: IncrementalBase;
}

/**
 * What an incremental rebuild of an input's next content starts from (watch mode): this build's input and
 * output (both named), what the output's chain assumed (verify/incremental-rule.ts), and the binaryen
 * settings of its first pipeline, whose function passes the changed bodies go through.
 */
export interface IncrementalBase {
  /** How the output was made (what a replay falls back to). */
  lineage: readonly LineageStep[];
  input: Uint8Array;
  output: Uint8Array;
  facts: ChainFacts;
  flags: number;
  knobs: SegmentKnobs;
}

export interface VerifyPairOptions {
  /** Per-query solver budget, ms of z3's counted work; default the engine's. */
  timeoutMs?: number;
  /** Wall-clock time of each function's check in a whole-jump check, ms; default DEFAULT_FUNCTION_TIME_MS. */
  functionTimeMs?: number;
  /** Feature override for reading both modules. */
  features?: string[];
  /** A certificate to re-check (`--proof FILE`), as parsed JSON; it is not trusted. */
  certificate?: unknown;
}

/**
 * What a strict run without a time budget on an input of 256 KiB or more is told first: that it takes minutes
 * (measured here, the proved -Oz alone took 276 s on tree-sitter's 210 KB runtime and 353–555 s on
 * brotli-wasm's 1 MB), and what bounds it.
 */
export function longStrictRunNotice(settings: Pick<ResolvedOptions, 'verify' | 'timeBudgetMs'>, inputBytes: number): string | undefined {
  if (settings.verify !== 'strict' || settings.timeBudgetMs !== undefined || inputBytes < 256 * 1024) return undefined;
  return `strict mode proves every pass step: on a module of ${Math.round(inputBytes / 1024)} KiB that takes minutes (README, "Large modules"); a time budget (--time-budget MS, timeBudgetMs) bounds it`;
}

/** Strict by default: nothing unproved reaches the output unless the user asks for less. */
export const DEFAULT_VERIFY_MODE = OptionDefaults.verify;

/**
 * The default of EngineConfig.stepTimeoutMs. Measured with strict runs at 5000 and 2000 ms (cold caches, one
 * run each, busy 2-core machine): the same bytes on rabin, as-sha256, as-kit-O0 and hash-wasm-blake3, in
 * 7–35 % less time; the z3 proofs strict steps get (induction on loops, a few whole queries) came within it.
 */
export const STEP_TIMEOUT_MS = 2000;

/** Function bodies an incremental rehearsal rebuilds (Engine.rehearseIncremental), bytes in all. */
const REHEARSAL_BODY_BYTES = 4096;
/** No pass of a rehearsal starts after this long: a module whose checks are slow is rehearsed in part. */
const REHEARSAL_MS = 1000;

/** The function passes of an incremental rebuild: those of the first pipeline that made the base's output. */
function incrementalPasses(base: IncrementalBase): string[] {
  return defaultFunctionPasses(base.knobs.optimizeLevel, base.knobs.shrinkLevel);
}

/** An incremental rebuild of `input` from `base`, as the binaryen pool takes it (without its services). */
function incrementalRequest(base: IncrementalBase, input: Uint8Array, objective: ResolvedOptions['objective']) {
  return { previousInput: base.input, previousOutput: base.output, input, facts: base.facts, flags: base.flags, knobs: base.knobs, passes: incrementalPasses(base), objective };
}

/**
 * The optimize job as a library: ingest, archipelago, emit. No transport here: the daemon (and the CLI's
 * private daemon) call it. One Engine keeps its worker pools warm across jobs. In strict mode every island
 * applies its genome pass by pass with each (function, pass) step checked on its binaryen worker (z3 and
 * the proof cache reached from there through a service port), so every module the search scores is proved
 * equivalent to the input and the output is simply the best of them.
 */
export class Engine {
  private readonly pool: BinaryenPool;
  private readonly verifier: Verifier;
  private readonly config: EngineConfig;

  /** Proof-cache writes of finished jobs still under way (see afterJob). */
  private readonly cacheWrites = new Set<Promise<void>>();

  /** `shared`: the pools of another engine (see warmUpJobs), which that engine closes. */
  constructor(config: EngineConfig = {}, shared?: { pool: BinaryenPool; verifier: Verifier }) {
    this.config = config;
    this.pool = shared?.pool ?? new BinaryenPool({
      threads: config.islandThreads ?? availableParallelism(),
      ...(config.islandHeapMb ? { maxHeapMb: config.islandHeapMb } : {}),
    });
    this.verifier = shared?.verifier ?? new Verifier({
      threads: this.solverThreads(),
      readIr: (bytes, flags) => this.pool.extractIr(bytes, flags),
      ...(config.solverTimeoutMs ? { timeoutMs: config.solverTimeoutMs } : {}),
      ...(config.proofCache ? { proofCache: config.proofCache } : {}),
    });
  }

  async warmUp(): Promise<void> {
    await Promise.all([this.pool.warmUp(), this.verifier.warmUp()]);
  }

  /**
   * Up to `jobs` strict jobs on atoll's own warm-up module (warm-up-module.ts), one after another, so that V8
   * has compiled the checker's and binaryen's hot paths before a user's first job: a fresh engine's first
   * strict job on as-sha256 took 2.3 s, and 0.9 s after four of these (2.2 s of warm-up; one: 1.5 s). Each
   * job after the first is followed by an incremental rebuild of one edited function, as a watch makes (the
   * first on as-sha256 took twice as long as the ones after it). They run on a view of this engine without
   * its caches, so no proof, certificate or result of theirs is kept; `stop` ends them between two
   * evaluations (no worker is ended: that would lose what they warmed). Resolves with how many ran to the
   * end; `onDone` hears of each as it ends.
   */
  async warmUpJobs(jobs: number, stop?: AbortSignal, onDone?: (done: number) => void): Promise<number> {
    if (jobs <= 0 || stop?.aborted) return 0;
    const bytes = await this.pool.parseText(WARM_UP_WAT);
    const view = this.withoutCaches();
    let done = 0;
    for (let seed = 1; seed <= jobs && !stop?.aborted; seed++) {
      try {
        const built = await view.optimize(bytes, { verify: 'strict', seed }, stop ? { stop } : {});
        if (seed > 1 && built.incremental && !stop?.aborted) {
          const edited = await this.pool.parseText(WARM_UP_WAT.replace(WARM_UP_EDIT, `(i32.const ${seed})`));
          await view.incremental(edited, built.incremental, { verify: 'strict', seed }, stop ? { stop } : {});
        }
      } catch (error) {
        if (stop?.aborted) break;
        throw error;
      }
      onDone?.(++done);
    }
    return done;
  }

  /**
   * Watch mode, after an input's first build, while nobody waits on it: an incremental rebuild of that build's
   * own output with its largest function bodies taken as changed (REHEARSAL_BODY_BYTES in all), its result
   * thrown away. A module's first build deoptimizes hot code of the IR reader and the checker on the
   * expression kinds and operators it meets that the warm-up module never reached (V8 has no type feedback
   * for them: on as-sha256, `IrExtractor.node` was deoptimized in the first build), and the edit that follows
   * runs that code unoptimized while V8 compiles it again on the same two cores (--trace-opt: the first
   * edit's rebuild compiled `node`, `walkExpressions` and several checker functions, 13–76 and 18–55 ms of
   * compiling for the first two). The rehearsal pays for that before the edit, and does what an edit's job
   * does on each thread: its rebuild on the thread an edit's rebuild then lands on (piscina gives a task to the
   * first idle thread of its list), and an ingest of the input beside it on the other, as start() runs them
   * (on as-sha256 the other thread's first ingest took 18 ms, later ones 5, and without it the first edit's
   * quick answer was 1.75–2.16× one -Oz in 8 runs of bench:watch, mean 1.93; with it 1.45–2.16×, mean 1.75, in
   * 16). That ingest done, the other thread is free for a job that comes meanwhile (a rehearsal on both threads
   * at once took twice as long on two cores). Like the warm-up jobs it runs without the caches, so its checks
   * run as an edit's do, and keeps nothing; no pass starts after REHEARSAL_MS. Resolves with the functions it
   * rebuilt, or why the plan declined.
   */
  async rehearseIncremental(base: IncrementalBase, signal?: AbortSignal): Promise<{ rebuilt: string[] } | { declined: string }> {
    const checking = await this.withoutCaches().checking(signal);
    const rehearsal = { bodyBytes: REHEARSAL_BODY_BYTES, deadline: Date.now() + REHEARSAL_MS };
    // Named here as an edit's job names its input (rebuildEarly): the base's input is named already, so this
    // is the same bytes, but the naming code has then run on this thread before the first edit needs it.
    const input = nameEveryFunctionAndGlobal(base.input);
    const rebuilt = this.pool.incremental({ ...incrementalRequest(base, input, 'size'), rehearsal, ...checking.limits(() => undefined) }, signal);
    // An edit's job ingests beside its rebuild (see start), on the other thread: so does the rehearsal, which
    // warms that thread's reading and feature detection too (a first ingest there took 18 ms, later ones 5).
    const ingested = this.pool.ingest({ bytes: base.input, declared: declaredFeatures(base.input), override: undefined, objective: 'size' }, signal);
    const [result] = await Promise.all([rebuilt, ingested]);
    if (!result.ok) throw new Error(result.error);
    return 'declined' in result ? { declined: result.declined } : { rebuilt: result.rebuilt };
  }

  status(): { islandThreads: number; solverThreads: number; queued: number; completed: number } {
    const { threads, queued, completed } = this.pool.stats;
    return { islandThreads: threads, solverThreads: this.solverThreads(), queued, completed };
  }

  async optimize(bytes: Uint8Array, options: OptimizeOptions = {}, hooks: JobHooks = {}): Promise<OptimizedModule> {
    const job = await this.start(bytes, options, hooks);
    if ('answer' in job) return job.answer;
    const { settings, ingested, checking, progress, passSteps } = job;
    const strict = checking && settings.verify === 'strict' ? checking : undefined;
    const notice = longStrictRunNotice(settings, bytes.length);
    if (notice) hooks.onLog?.(notice);
    const search = await noneFailed(
      runArchipelago(
        this.pool,
        {
          islands: settings.islands,
          generations: settings.generations,
          seed: settings.seed,
          objective: settings.objective,
          topology: settings.topology,
          strategy: settings.strategy,
          multiStart: settings.multiStart,
          timeBudgetMs: settings.timeBudgetMs,
          input: ingested.named,
          flags: ingested.flags,
          passes: searchablePasses(ingested.features),
          plantFault: settings.plantFault,
          splitNestedPipelines: this.config.splitNestedPipelines ?? false,
          alternatives: this.config.alternatives ? chosenAlternatives(this.config.alternatives) : defaultAlternatives(settings),
          keepAssemblySources: settings.verify === 'report',
          ...(strict ? { checks: ({ id, generation }) => strict.checks('strict', (note) => progress.evaluation(id, generation, note)) } : {}),
        },
        {
          signal: hooks.signal,
          stop: hooks.stop,
          onPlanned: (generation, count, checked) => progress.planned(generation, count, checked),
          onEvaluated: ({ id, generation, checked }, result) => {
            progress.evaluated(id, generation, checked);
            if (result.ok && result.proof) for (const pass of result.proof.passes) addTotals(passSteps, pass);
          },
        },
      ),
      hooks.signal,
      hooks.stop,
    );
    for (const failure of search.failures) {
      hooks.onLog?.(`island ${failure.island} failed in generation ${failure.generation}: ${failure.error}`);
    }
    const failures: OptimizeReport['failures'] = [...search.failures];
    // binaryen's own -Oz, unchecked in every mode (the -Oz alternative of generation 0, or its screening run).
    const baselineResult = search.baseline && { bytes: search.baseline.resident.score.size, value: search.baseline.resident.score.value, ms: Math.round(search.baseline.ms) };

    // report mode: the search ran unchecked; the champion's lineage is applied once more with every step
    // checked and every step kept, to say which of them are proved.
    let reported: ResidentChecked | undefined;
    if (settings.verify === 'report') {
      try {
        const plantFault = search.champion.island === settings.islands - 1;
        const checked = await this.applyLineage(search.champion.lineage, job, 'report', plantFault, (i, note) => progress.checking(i, search.champion.lineage.length, note), hooks.signal);
        reported = { evaluations: checked.proof!.evaluations, differs: sha256(checked.stripped) !== sha256(search.champion.stripped) };
        for (const evaluation of reported.evaluations) for (const pass of evaluation.passes) addTotals(passSteps, pass);
        if (reported.differs) hooks.onLog?.('the checked replay of the champion did not give the same bytes; the report describes the replay');
      } catch (error) {
        if (hooks.signal?.aborted) throw error;
        const message = `checking the champion's steps failed: ${error instanceof Error ? error.message : String(error)}`;
        failures.push({ generation: search.champion.generation, island: search.champion.island, error: message });
        hooks.onLog?.(message);
      }
    }
    return this.finish(job, {
      chosen: search.champion,
      reported,
      baseline: baselineResult ?? null,
      history: search.history,
      migrations: search.migrations,
      failures,
      deterministic: search.completed,
      cache: true,
    }, hooks);
  }

  /**
   * Watch mode's quick answer to a changed input: the lineage that won an earlier build (its genomes; an
   * assembly's donors belong to that build and are left out) applied to `bytes` with no search, every step
   * checked as `options.verify` says, so a strict replay is as proved as a search's champion. The output
   * depends on that earlier build, so it is never stored as the answer for these options: the result cache is
   * read (a hit is the search's own answer, `report.cached`) but not written.
   */
  async replay(bytes: Uint8Array, lineage: readonly LineageStep[], options: OptimizeOptions = {}, hooks: JobHooks = {}): Promise<OptimizedModule> {
    const job = await this.start(bytes, options, hooks, 0);
    return 'answer' in job ? job.answer : this.replayJob(job, lineage, hooks);
  }

  /**
   * Watch mode's quick answer to a changed input (see QuickRebuild): the previous output patched (incremental)
   * when there is a base and it does not decline, else the lineage replayed; the input is read once for both.
   */
  async quick(bytes: Uint8Array, from: QuickRebuild, options: OptimizeOptions = {}, hooks: JobHooks = {}): Promise<OptimizedModule> {
    const job = await this.start(bytes, options, hooks, 0, from.incremental);
    if ('answer' in job) return job.answer;
    if (from.incremental) {
      const patched = await this.incrementalJob(job, from.incremental, hooks);
      if (!('declined' in patched)) return patched;
      hooks.onLog?.(`no incremental rebuild (${patched.declined}); replaying the previous pipeline`, 'info');
    }
    return this.replayJob(job, from.lineage, hooks);
  }

  private async replayJob(job: StartedJob, lineage: readonly LineageStep[], hooks: JobHooks): Promise<OptimizedModule> {
    const { settings, progress, passSteps } = job;
    const genomes = lineage.filter((step): step is Genome => step.kind !== 'assembly');
    const mode = settings.verify === 'off' ? undefined : settings.verify;
    progress.planned(0, genomes.length, mode !== undefined);
    const applied = await this.applyLineage(genomes, job, mode, false, (i, note) => progress.evaluation(`replay ${i}`, 0, note), hooks.signal);
    for (const evaluation of applied.proof?.evaluations ?? []) for (const pass of evaluation.passes) addTotals(passSteps, pass);
    const chosen: Resident = {
      lineage: genomes,
      named: applied.named,
      stripped: applied.stripped,
      score: applied.score,
      island: 0,
      generation: 0,
      ...(settings.verify === 'strict' && applied.proof ? { proof: applied.proof } : {}),
    };
    const reported = settings.verify === 'report' && applied.proof ? { evaluations: applied.proof.evaluations, differs: false } : undefined;
    return this.finish(job, { chosen, reported, baseline: null, history: [], migrations: [], failures: [], deterministic: true, cache: false }, hooks);
  }

  /**
   * Watch mode's quickest answer to an edit: the previous strict output with the bodies the edit changed put
   * in and optimized there by the function passes of its first pipeline, every step proved, when the previous
   * output's chain shows nothing else depends on them (verify/incremental-rule.ts). Otherwise (or in another
   * verify mode) it declines with the reason and the caller replays instead. Like `replay`, the answer depends
   * on the build before it and is never stored in the result cache; it has no certificate (its chain starts
   * from the previous output, not from the input).
   */
  async incremental(bytes: Uint8Array, base: IncrementalBase, options: OptimizeOptions = {}, hooks: JobHooks = {}): Promise<OptimizedModule | { declined: string }> {
    const job = await this.start(bytes, options, hooks, 0, base);
    return 'answer' in job ? job.answer : this.incrementalJob(job, base, hooks);
  }

  private async incrementalJob(job: StartedJob, base: IncrementalBase, hooks: JobHooks): Promise<OptimizedModule | { declined: string }> {
    const { settings, ingested, checking, progress, passSteps } = job;
    // The rebuild started beside the ingest stands when the ingest read the input as it assumed (named alike,
    // with the previous build's features); otherwise it is waited out (nothing runs on after its job) and unused.
    const early = job.rebuilding && (await job.rebuilding.result.catch(() => undefined));
    const assumed = Boolean(job.rebuilding && sameBytes(job.rebuilding.input, ingested.named));
    if (settings.verify !== 'strict' || !checking) return { declined: 'incremental rebuilds are for strict mode' };
    if (ingested.flags !== base.flags) return { declined: 'the module is read with other features than the previous one' };
    // What runs on the rebuilt bodies, as the report's champion genome shows it.
    const applied: Genome = { kind: 'refine', passes: incrementalPasses(base), knobs: { ...base.knobs, converge: 1 } };
    const result = early && assumed ? early : await this.rebuildIncrementally(job, checking, base, ingested.named, hooks);
    if (!result.ok || 'declined' in result) {
      // Its slot of the progress bar is done: what follows (a replay) plans its own.
      progress.evaluation('incremental', 0, { passesDone: 1, passes: 1, stepsDone: 0, steps: 0 });
      return { declined: result.ok ? result.declined : `the incremental rebuild failed: ${result.error}` };
    }
    for (const pass of result.proof.passes) addTotals(passSteps, pass);
    const { segment, ...evaluation } = result.proof;
    const chosen: Resident = {
      lineage: [applied],
      named: result.named,
      stripped: result.stripped,
      score: result.score,
      island: 0,
      generation: 0,
      proof: { segments: [segment], evaluations: [evaluation] },
    };
    // The next edit's base: this output, whose chain is the previous one with the rebuilt functions' new steps.
    const next: IncrementalBase = { ...base, input: ingested.named, output: result.named, facts: mergeChainFacts(base.facts, chainFacts([evaluation])) };
    return this.finish(job, {
      chosen, reported: undefined, baseline: null, history: [], migrations: [], failures: [], deterministic: true, cache: false,
      incremental: { rebuilt: result.rebuilt, next },
    }, hooks);
  }

  /** An incremental rebuild of `input` (named) from `base` on a binaryen worker, its progress in the job's plan. */
  private rebuildIncrementally(
    { settings, progress }: Pick<StartedJob, 'settings' | 'progress'>, checking: JobChecking, base: IncrementalBase, input: Uint8Array, hooks: JobHooks,
  ): Promise<IncrementalResult> {
    progress.planned(0, 1, true);
    return this.pool.incremental(
      { ...incrementalRequest(base, input, settings.objective), ...checking.limits((note) => progress.evaluation('incremental', 0, note)) },
      hooks.signal,
    );
  }

  /**
   * What every job does first: options, the result cache, ingest, the checking services. With `incremental`
   * (a strict quick rebuild), that rebuild starts before the ingest, so the two run at once on the two binaryen
   * threads (the rebuild first: it takes the thread its rehearsal warmed). It needs the named input only, and
   * naming is the ingest's first step; incrementalJob uses it when the ingest named the input the same way.
   */
  private async start(
    bytes: Uint8Array, options: OptimizeOptions, hooks: JobHooks, generations?: number, incremental?: IncrementalBase,
  ): Promise<StartedJob | { answer: OptimizedModule }> {
    const started = performance.now();
    const settings = resolveOptions(options, DEFAULT_VERIFY_MODE);
    const progress = new ProgressPlan(hooks.onProgress, generations ?? settings.generations, settings.verify);
    progress.ingest();
    const input = ingestBytes(bytes);
    const cacheKey = resultCacheKey(input.sha256, canonicalOptions(settings), versions());
    const hit = await this.config.resultCache?.get(cacheKey);
    if (hit) {
      progress.finished('answered from the result cache');
      const total = Math.round(performance.now() - started);
      const certificate = settings.verify === 'strict' ? await this.config.certificates?.get(input.sha256, sha256(hit.output)) : undefined;
      return {
        answer: {
          output: hit.output,
          report: { ...hit.report, cached: true, timeMs: { total, ingest: total, optimize: 0, verify: 0, emit: 0 } },
          ...(certificate ? { certificate } : {}),
        },
      };
    }
    const checking = settings.verify === 'off' ? undefined : await this.checking(hooks.signal);
    const rebuilding = incremental && checking && settings.verify === 'strict' ? this.rebuildEarly({ settings, progress }, checking, incremental, bytes, hooks) : undefined;
    let ingested: IngestResult;
    try {
      ingested = await this.pool.ingest(
        { bytes, declared: input.declared, override: settings.features, objective: settings.objective },
        hooks.signal,
      );
    } catch (error) {
      // No rebuild goes on in the background after its job failed.
      await rebuilding?.result.catch(() => undefined);
      throw error;
    }
    const ingestMs = performance.now() - started;
    if (ingested.droppedNames) hooks.onLog?.(`the input's name section is damaged (${ingested.droppedNames}): it is read without names`);
    return { bytes, started, settings, progress, inputSha: input.sha256, cacheKey, ingested, ingestMs, checking, passSteps: new Map(), ...(rebuilding ? { rebuilding } : {}) };
  }

  /** An incremental rebuild started before the ingest (see start), or undefined when the input cannot be named here. */
  private rebuildEarly(
    job: Pick<StartedJob, 'settings' | 'progress'>, checking: JobChecking, base: IncrementalBase, bytes: Uint8Array, hooks: JobHooks,
  ): StartedJob['rebuilding'] {
    let input: Uint8Array;
    try {
      input = nameEveryFunctionAndGlobal(bytes);
    } catch {
      return undefined;
    }
    return { input, result: this.rebuildIncrementally(job, checking, base, input, hooks) };
  }

  /** What every job does last: the output chosen, validated, certified and reported (and cached when it may be). */
  private async finish(job: StartedJob, outcome: JobOutcome, hooks: JobHooks): Promise<OptimizedModule> {
    const { bytes, started, settings, progress, ingested, ingestMs, checking, passSteps } = job;
    const searchDone = performance.now();
    progress.emitting();
    const chosen = outcome.chosen;
    // Nothing lost: when nothing beat the input itself, the input goes out unchanged.
    const improved = chosen.score.value < ingested.score.value || (chosen.score.value === ingested.score.value && chosen.score.size < bytes.length);
    const output = improved ? withoutUnusedDataCount(settings.keepNames ? chosen.named : chosen.stripped) : bytes;
    if (!WebAssembly.validate(output)) {
      throw new AtollError(ErrorCodes.InternalError, 'the optimized module does not validate in V8; nothing was written');
    }
    if (settings.verify === 'strict' && improved && !chosen.proof) {
      // Every strict resident carries its chain from the input (assemblies included); one that does not is a bug.
      throw new AtollError(ErrorCodes.InternalError, 'the strict champion has no chain of proved steps; nothing was written');
    }
    const certificate = settings.verify === 'strict' && !outcome.incremental ? this.certificate(job.inputSha, output, ingested, settings, improved ? chosen : undefined) : undefined;
    if (certificate) {
      await this.config.certificates?.set(certificate).catch((error: unknown) => hooks.onLog?.(`certificate not stored: ${error instanceof Error ? error.message : String(error)}`));
    }
    const emitDone = performance.now();
    const verifyMs = Math.min(checking?.solverMs() ?? 0, searchDone - started - ingestMs);

    const report: OptimizeReport = {
      input: {
        bytes: bytes.length,
        sha256: job.inputSha,
        features: ingested.features,
        featureSource: ingested.featureSource,
        functions: ingested.functions,
      },
      output: { bytes: output.length, sha256: sha256(output) },
      objective: settings.objective,
      baseline: outcome.baseline,
      champion: improved
        ? { island: chosen.island, generation: chosen.generation, genome: chosen.lineage.map(describeGenome), value: chosen.score.value }
        : { island: -1, generation: -1, genome: [], value: ingested.score.value },
      settings: {
        islands: settings.islands,
        generations: settings.generations,
        seed: settings.seed,
        topology: settings.topology,
        strategy: settings.strategy,
        multiStart: settings.multiStart,
        verify: settings.verify,
        ...(settings.timeBudgetMs === undefined ? {} : { timeBudgetMs: settings.timeBudgetMs }),
        deterministic: outcome.deterministic,
      },
      history: outcome.history,
      migrations: outcome.migrations,
      failures: outcome.failures,
      ...verificationFields(settings, improved ? (settings.verify === 'report' ? outcome.reported : chosen.proof) : undefined, passSteps, checking),
      timeMs: {
        total: Math.round(emitDone - started),
        ingest: Math.round(ingestMs),
        optimize: Math.round(searchDone - started - ingestMs - verifyMs),
        verify: Math.round(verifyMs),
        emit: Math.round(emitDone - searchDone),
      },
      cached: false,
      ...(outcome.incremental && improved ? { incremental: { rebuilt: outcome.incremental.rebuilt } } : {}),
    };
    if (outcome.cache) {
      try {
        await this.config.resultCache?.set(job.cacheKey, { output, report });
      } catch (error) {
        // A cache that cannot be written costs the next run time, never this run its result.
        hooks.onLog?.(`result cache not written: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (checking) this.afterJob(checking, hooks);
    progress.finished('done');
    const incremental = improved ? (outcome.incremental?.next ?? this.incrementalBase(job, chosen)) : undefined;
    const lineage = improved ? (outcome.incremental?.next.lineage ?? chosen.lineage) : [];
    return { output, report, lineage, ...(certificate ? { certificate } : {}), ...(incremental ? { incremental } : {}) };
  }

  /** A strict output's base for an incremental rebuild of the next content (see IncrementalBase). */
  private incrementalBase(job: StartedJob, chosen: Resident): IncrementalBase | undefined {
    const first = chosen.lineage[0];
    if (job.settings.verify !== 'strict' || !chosen.proof || !first || first.kind === 'assembly') return undefined;
    const { converge: _converge, ...knobs } = first.knobs;
    return { lineage: chosen.lineage, input: job.ingested.named, output: chosen.named, facts: chainFacts(chosen.proof.evaluations), flags: job.ingested.flags, knobs };
  }

  /**
   * Checks any optimizer's output against its input (e.g. wasm-opt's), on a binaryen worker. With a
   * certificate, that certificate is re-checked (and nothing else); without one, a certificate this engine
   * wrote for exactly this pair is re-checked first, and the whole jump is checked function by function when
   * there is none or it does not hold.
   */
  async verify(base: Uint8Array, candidate: Uint8Array, options: VerifyPairOptions = {}, hooks: JobHooks = {}): Promise<VerifyReport> {
    const progress = new ProgressPlan(hooks.onProgress, 0, 'off');
    progress.ingest();
    const checking = await this.checking(hooks.signal, options.timeoutMs);
    try {
      return await this.verifyPair(base, candidate, options, hooks, progress, checking);
    } finally {
      const unwritten = await checking.flush();
      if (unwritten) hooks.onLog?.(`proof cache not written: ${unwritten}`);
    }
  }

  private async verifyPair(
    base: Uint8Array, candidate: Uint8Array, options: VerifyPairOptions, hooks: JobHooks, progress: ProgressPlan, checking: JobChecking,
  ): Promise<VerifyReport> {
    const override = options.features && parseFeatureNames(options.features);
    const a = ingestBytes(base);
    const b = ingestBytes(candidate);
    const work = (note: TaskProgress) => progress.evaluation('verify', undefined, note);
    if (options.certificate !== undefined) return this.recheck(base, candidate, options.certificate, checking, work, hooks.signal);
    const stored = await this.config.certificates?.get(a.sha256, b.sha256);
    const findings: string[] = [];
    if (stored) {
      const report = await this.recheck(base, candidate, stored, checking, work, hooks.signal);
      if (report.module.accepted) return report;
      findings.push(`a certificate atoll wrote for this pair did not check (${report.module.findings.join('; ')}); checked as a whole jump instead`);
    }
    const [sideA, sideB] = await Promise.all([
      this.pool.ingest({ bytes: base, declared: a.declared, override }, hooks.signal),
      this.pool.ingest({ bytes: candidate, declared: b.declared, override }, hooks.signal),
    ]);
    const extra = sideB.features.filter((f) => !sideA.features.includes(f));
    if (extra.length > 0) {
      throw new AtollError(ErrorCodes.UnsupportedFeature, `the candidate uses features the base does not: ${extra.join(', ')}`);
    }
    // A module whose name section is damaged is compared as the program it is, without names.
    const readable = (bytes: Uint8Array, side: IngestResult, which: string) => {
      if (!side.droppedNames) return bytes;
      hooks.onLog?.(`the ${which}'s name section is damaged (${side.droppedNames}): it is read without names`);
      return withoutNameSection(bytes);
    };
    const report = await this.pool.verifyModules(
      {
        base: readable(base, sideA, 'base'),
        candidate: readable(candidate, sideB, 'candidate'),
        flags: sideA.flags,
        ...checking.limits(work),
        functionTimeMs: options.functionTimeMs ?? DEFAULT_FUNCTION_TIME_MS,
        onProgress: (done, total) => work({ passesDone: 0, passes: 1, stepsDone: done, steps: total, unit: 'function pairs' }),
      },
      hooks.signal,
    );
    return findings.length ? { ...report, module: { ...report.module, findings: [...findings, ...report.module.findings] } } : report;
  }

  /**
   * `atoll cache verify`: the key a cached proof's evidence hashes to and a fresh decision of its pair
   * (Verifier.recheck); the caller compares the key with the entry's and removes an entry that fails.
   */
  recheckProof(evidence: ProofEvidence, signal?: AbortSignal): Promise<{ key: string; verdict: Verdict }> {
    return this.verifier.recheck(evidence, signal);
  }

  async close(): Promise<void> {
    await this.cacheWritesSettled();
    await Promise.all([this.pool.close(), this.verifier.close()]);
  }

  /** Resolves once every finished job's proof-cache writes have landed (what a cache listing or a shutdown waits for). */
  async cacheWritesSettled(): Promise<void> {
    while (this.cacheWrites.size > 0) await Promise.all([...this.cacheWrites]);
  }

  /**
   * A job's proof-cache writes land after its answer: a watch's quick rebuild waited up to 40 ms for them on
   * as-sha256 (evidence packed and written per fresh proof). A cache that cannot be written costs the next
   * run time, never this run its result.
   */
  private afterJob(checking: JobChecking, hooks: JobHooks): void {
    const writes: Promise<void> = checking.flush()
      .then((unwritten) => {
        if (unwritten) hooks.onLog?.(`proof cache not written: ${unwritten}`);
      })
      .catch(() => undefined)
      .finally(() => this.cacheWrites.delete(writes));
    this.cacheWrites.add(writes);
  }

  /** This engine's pools without its caches: what warm-up jobs and rehearsals run on (they keep nothing). */
  private withoutCaches(): Engine {
    return new Engine({ ...this.config, proofCache: undefined, resultCache: undefined, certificates: undefined }, { pool: this.pool, verifier: this.verifier });
  }

  private solverThreads(): number {
    return this.config.solverThreads ?? availableParallelism();
  }

  /**
   * What a job's checking tasks share: z3 on this engine's solver pool, the proof cache under this job's
   * verdicts (so a pair that timed out is not asked again by another island or generation), progress.
   */
  private async checking(signal: AbortSignal | undefined, timeoutMs = this.config.solverTimeoutMs): Promise<JobChecking> {
    const z3Version = await this.verifier.z3Version();
    const verdicts = jobVerdicts(this.config.proofCache, new Map<string, Verdict>());
    const clock = new SolverClock();
    // Each worker task waits on z3 most of the time: a few in flight per solver thread keep the pool busy.
    const concurrency = 2 * this.solverThreads();
    const services = (progress: (note: TaskProgress) => void): WorkerServices => {
      // The keys this task's misses claimed: a task whose thread died gives them up when its port closes.
      const claimed = new Set<string>();
      return {
        solve: (query) => clock.time(this.verifier.solve(query, signal)),
        proofGet: async (key) => {
          const verdict = await verdicts.get(key);
          if (!verdict) claimed.add(key);
          return verdict;
        },
        // Evidence comes made on the worker (for proved verdicts): the cache keeps it for `atoll cache verify`.
        proofSet: (key, verdict, evidence) => {
          claimed.delete(key);
          return verdicts.set(key, verdict, evidence ? () => evidence : undefined);
        },
        proofRelease: (key) => {
          claimed.delete(key);
          verdicts.release(key);
        },
        settled: () => {
          for (const key of claimed) verdicts.release(key);
          claimed.clear();
        },
        progress,
      };
    };
    const limits = (progress: (note: TaskProgress) => void) => ({
      z3Version,
      concurrency,
      ...(timeoutMs ? { timeoutMs } : {}),
      services: services(progress),
    });
    return {
      limits,
      checks: (mode, progress) => ({ mode, ...limits(progress), ...(mode === 'strict' ? { timeoutMs: this.config.stepTimeoutMs ?? STEP_TIMEOUT_MS } : {}) }),
      solverMs: () => clock.total(),
      flush: () => verdicts.flush(),
    };
  }

  /**
   * A lineage applied again to the input, step after step, each step checked in `mode` (report: checked and
   * kept; strict: unproved steps go back) or not at all; an assembly is applied again as the checked step it
   * is in strict mode, from the donors it kept. With a mode, the result carries the chain of every step.
   * `plantFault`: the test hook's fault goes into the first step (the lineage is the last island's).
   */
  private async applyLineage(
    lineage: readonly LineageStep[],
    job: StartedJob,
    mode: 'strict' | 'report' | undefined,
    plantFault: boolean,
    progress: (index: number, note: TaskProgress) => void,
    signal: AbortSignal | undefined,
  ): Promise<{ named: Uint8Array; stripped: Uint8Array; score: Score; proof?: ResidentProof }> {
    const { ingested, settings, checking } = job;
    let applied: { named: Uint8Array; stripped: Uint8Array; score: Score; proof?: ResidentProof } = { named: ingested.named, stripped: ingested.named, score: ingested.score };
    let knobs = DEFAULT_KNOBS;
    for (const [i, step] of lineage.entries()) {
      const genome: Genome =
        step.kind === 'assembly' ? { kind: 'refine', passes: [ASSEMBLE_PASS, ...step.cleanup], knobs: { ...knobs, converge: 1 } } : step;
      knobs = genome.knobs;
      const result = await this.pool.evaluate(
        {
          base: applied.named,
          flags: ingested.flags,
          genome: mode ? checkedGenome(genome, this.config.splitNestedPipelines ?? false) : genome,
          ...(step.kind === 'assembly' ? { assembly: { input: ingested.named, donors: [...(step.sources ?? [])] } } : {}),
          objective: settings.objective,
          ...(settings.plantFault && plantFault && i === 0 ? { plantFault: settings.plantFault } : {}),
          ...(mode && checking ? { checks: checking.checks(mode, (note) => progress(i, note)) } : {}),
        },
        signal,
      );
      if (!result.ok) throw new Error(result.error);
      if (mode && !result.proof) throw new Error('a checked evaluation came back without the proof of its chain');
      applied = {
        named: result.named,
        stripped: result.stripped,
        score: result.score,
        ...(result.proof ? { proof: extendProof(applied.proof, result.proof) } : {}),
      };
    }
    return applied;
  }

  /** The output's certificate: the champion's chain of proved steps, or no step when the output is the input. */
  private certificate(inputSha: string, output: Uint8Array, ingested: IngestResult, settings: ResolvedOptions, chosen: Resident | undefined): Certificate {
    const v = versions();
    return {
      format: CERTIFICATE_FORMAT,
      versions: { atoll: v.atoll, binaryen: v.binaryen },
      features: ingested.flags,
      input: inputSha,
      output: sha256(output),
      keepNames: settings.keepNames,
      segments: chosen?.proof?.segments ?? [],
    };
  }

  private async recheck(
    base: Uint8Array,
    candidate: Uint8Array,
    certificate: unknown,
    checking: JobChecking,
    progress: (note: TaskProgress) => void,
    signal: AbortSignal | undefined,
  ): Promise<VerifyReport> {
    const started = performance.now();
    const v = versions();
    const check = await this.pool.checkCertificate(
      { input: base, output: candidate, certificate, versions: { atoll: v.atoll, binaryen: v.binaryen }, ...checking.limits(progress) },
      signal,
    );
    const functions: FunctionVerdict[] = check.functions.map((f) => ({
      name: f.name,
      verdict: { status: 'proved', method: methodOf(f.steps) },
      steps: f.steps,
      cached: false,
      ms: 0,
    }));
    return {
      functions,
      totals: totals(functions),
      module: check.accepted
        ? { accepted: true, findings: [`certificate re-checked: ${check.steps} proved steps replayed from the input to this output, every module-level change checked at its step`], differences: 0 }
        : { accepted: false, findings: [`certificate rejected: ${check.reason}`], differences: 0 },
      unmatched: { base: [], candidate: [] },
      timeMs: { total: Math.round(performance.now() - started), solver: Math.round(checking.solverMs()), cached: 0 },
    };
  }
}

interface JobChecking {
  /** A checking task's limits and services; its progress notes go to `progress`. */
  limits(progress: (note: TaskProgress) => void): { z3Version: string; concurrency: number; timeoutMs?: number; services: WorkerServices };
  checks(mode: 'strict' | 'report', progress: (note: TaskProgress) => void): ReturnType<JobChecking['limits']> & { mode: 'strict' | 'report' };
  /** Time during which at least one z3 query of the job was outstanding. */
  solverMs(): number;
  /** Waits for the job's proof-cache writes (JobVerdicts.flush). */
  flush(): Promise<string | undefined>;
}

/** A job once ingested: what finish() needs from start(). */
interface StartedJob {
  bytes: Uint8Array;
  started: number;
  settings: ResolvedOptions;
  progress: ProgressPlan;
  inputSha: string;
  cacheKey: string;
  ingested: IngestResult;
  ingestMs: number;
  checking: JobChecking | undefined;
  /** Step totals per pass over every checked evaluation of the job. */
  passSteps: Map<string, PassStepTotals>;
  /** An incremental rebuild started beside the ingest, of `input` (the input as this thread named it). */
  rebuilding?: { input: Uint8Array; result: Promise<IncrementalResult> };
}

/** What a job chose, and the report fields only a search has. */
interface JobOutcome {
  chosen: Resident;
  reported: ResidentChecked | undefined;
  baseline: OptimizeReport['baseline'];
  history: OptimizeReport['history'];
  migrations: OptimizeReport['migrations'];
  failures: OptimizeReport['failures'];
  deterministic: boolean;
  /** The answer is the one for these options and may be stored in the result cache. */
  cache: boolean;
  /** An incremental rebuild: the functions it rebuilt, and the base for the next one. */
  incremental?: { rebuilt: string[]; next: IncrementalBase };
}

/** report mode: the champion's lineage checked step by step. */
interface ResidentChecked {
  evaluations: Array<Omit<EvaluationProof, 'segment'>>;
  /** The checked replay gave other bytes than the search (binaryen nondeterminism). */
  differs: boolean;
}

/**
 * What generation 0 runs when the embedder does not say: with verify off the search alone, whose short runs
 * start from the cheap alternatives (startingAlternatives); with checks every alternative, because there they
 * are screens run unchecked, a small part of a run that proves (strict rabin kept 5253 B with them, 5256 B
 * without -O4 -Oz ×2).
 */
function defaultAlternatives(settings: ResolvedOptions): readonly Alternative[] {
  return settings.verify === 'off' ? startingAlternatives(settings.generations) : ALTERNATIVES;
}

function chosenAlternatives(names: readonly string[]): Alternative[] {
  return names.map((name) => {
    const found = ALTERNATIVES.find((a) => a.name === name);
    if (!found) throw new AtollError(ErrorCodes.BadOption, `no alternative named ${name} (one of: ${ALTERNATIVES.map((a) => a.name).join(', ')})`);
    return found;
  });
}

/**
 * A search where every island failed is the optimizer failing, said as such (with each island's reason); a
 * search its caller stopped (JobHooks.stop) is a cancellation.
 */
async function noneFailed<T>(search: Promise<T>, signal: AbortSignal | undefined, stop: AbortSignal | undefined): Promise<T> {
  try {
    return await search;
  } catch (error) {
    if (signal?.aborted || error instanceof AtollError) throw error;
    if (stop?.aborted) throw new AtollError(ErrorCodes.RequestCancelled, `the search was stopped: ${stop.reason instanceof Error ? stop.reason.message : String(stop.reason)}`);
    throw new AtollError(ErrorCodes.OptimizerFailed, `no island produced a module: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The union of the intervals during which queries were outstanding, so overlapping queries count once. */
class SolverClock {
  private outstanding = 0;
  private since = 0;
  private sum = 0;

  async time<T>(query: Promise<T>): Promise<T> {
    if (this.outstanding++ === 0) this.since = performance.now();
    try {
      return await query;
    } finally {
      if (--this.outstanding === 0) this.sum += performance.now() - this.since;
    }
  }

  total(): number {
    return this.sum + (this.outstanding > 0 ? performance.now() - this.since : 0);
  }
}

/** The method a chain of steps is reported under: its strongest proof (identical and alpha steps are free). */
function methodOf(steps: Array<{ method: string }>): Extract<Verdict, { status: 'proved' }>['method'] {
  const order = ['induction', 'smt', 'local-change', 'graph', 'alpha', 'identical'] as const;
  return order.find((m) => steps.some((s) => s.method === m)) ?? 'identical';
}

/** The report's verification fields for the mode that ran. */
function verificationFields(
  settings: ResolvedOptions,
  proof: { evaluations: Array<Omit<EvaluationProof, 'segment'>> } | undefined,
  passSteps: Map<string, PassStepTotals>,
  checking: JobChecking | undefined,
): Pick<OptimizeReport, 'verification' | 'verifiedStatus' | 'rejected' | 'proofTax' | 'passSteps' | 'unprovedSteps'> {
  if (settings.verify === 'off') return { verifiedStatus: 'unverified' };
  const passes = [...passSteps.values()];
  const evaluations = proof?.evaluations ?? [];
  const chains = new Map<string, Array<{ pass: string; method: string; cached: boolean }>>();
  for (const e of evaluations) {
    for (const step of e.proved) chains.set(step.function, [...(chains.get(step.function) ?? []), { pass: step.pass, method: step.method, cached: step.cached }]);
  }
  // A function's verdict is a cache answer when every step that needed a checker came from the proof cache.
  const fromCache = (steps: Array<{ method: string; cached: boolean }>) => steps.every((s) => s.cached || s.method === 'identical' || s.method === 'alpha');
  const unproved: StepRecord[] = evaluations.flatMap((e) => e.unproved);
  const functions: FunctionVerdict[] = [...chains]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, steps]) => ({ name, verdict: { status: 'proved', method: methodOf(steps) }, steps: steps.map(({ pass, method }) => ({ pass, method })), cached: fromCache(steps), ms: 0 }));
  // Each function whose changes did not all go through, once, with the first verdict that kept one out.
  const rejected = new Map<string, FunctionVerdict>();
  for (const step of unproved) {
    if (rejected.has(step.function)) continue;
    // A step that went back with another (its group, or a withdrawn pass) is about context, whatever its own verdict.
    const verdict: Verdict = step.why ? { status: 'unknown', reason: 'context', detail: step.why } : step.verdict;
    rejected.set(step.function, { name: step.function, verdict, pass: step.pass, cached: false, ms: 0 });
  }
  const solver = Math.round(checking?.solverMs() ?? 0);
  const verification: VerifyReport = {
    functions: settings.verify === 'strict' ? functions : [...functions.filter((f) => !rejected.has(f.name)), ...rejected.values()],
    totals: totals(settings.verify === 'strict' ? functions : [...functions.filter((f) => !rejected.has(f.name)), ...rejected.values()]),
    module: {
      accepted: settings.verify === 'strict' || unproved.every((s) => !s.why?.startsWith('module-level')),
      findings: [settings.verify === 'strict'
        ? 'every kept step was proved against the module before its pass, module-level changes included (see passSteps)'
        : `${unproved.length} step${unproved.length === 1 ? '' : 's'} kept without a proof (see unprovedSteps)`],
      differences: 0,
    },
    unmatched: { base: [], candidate: [] },
    timeMs: { total: solver, solver, cached: 0 },
  };
  if (settings.verify === 'report') {
    return { verification, verifiedStatus: unproved.length === 0 ? 'proved' : 'partially-proved', passSteps: passes, unprovedSteps: unproved };
  }
  return {
    verifiedStatus: 'proved',
    verification,
    rejected: [...rejected.values()],
    passSteps: passes,
    unprovedSteps: unproved,
    proofTax: unproved.reduce((sum, s) => sum + s.bytesLost, 0),
  };
}
