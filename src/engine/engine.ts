import { availableParallelism } from 'node:os';
import type { ResultCache } from '../cache/result-cache.js';
import { resultCacheKey } from '../cache/result-cache.js';
import { runArchipelago, type ArchipelagoResult } from '../islands/archipelago.js';
import { searchablePasses } from '../islands/catalogue.js';
import { describeGenome } from '../islands/genome.js';
import { BinaryenPool } from '../workers/binaryen-pool.js';
import type { IngestResult } from '../workers/binaryen-tasks.js';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import { OptionDefaults } from '../protocol/options.js';
import type { ProgressEvent } from '../protocol/progress.js';
import type { OptimizeReport, Verdict, VerifyReport } from '../protocol/report.js';
import { totals, Verifier, type ModuleVerifier, type ProofCache, type ProofEvidence, type VerifyModulesOptions } from '../verify/index.js';
import { DEFAULT_TIMEOUT_MS } from '../verify/checker.js';
import { parseFeatureNames } from '../wasm/features.js';
import { ingestBytes, sha256 } from '../wasm/ingest.js';
import { withoutNameSection } from '../wasm/names.js';
import { changedFunctions, fullyProved, ProvedChain, type Step } from './acceptance.js';
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
  /** Per-query solver timeout, ms (default 5000). */
  solverTimeoutMs?: number;
  /** Verdicts of function pairs seen before (content-addressed; shared across jobs and restarts). */
  proofCache?: ProofCache;
  /** Answers for inputs seen before with the same options and versions. */
  resultCache?: ResultCache;
}

/** How a caller follows and stops one job (the daemon passes its queue's signal and the client's progress). */
export interface JobHooks {
  signal?: AbortSignal;
  /** Events as src/protocol/progress.ts's ProgressEvent contract says. */
  onProgress?: (event: ProgressEvent) => void;
  onLog?: (line: string) => void;
}

export interface OptimizedModule {
  output: Uint8Array;
  report: OptimizeReport;
}

export interface VerifyPairOptions {
  /** Per-query solver timeout, ms; default the engine's. */
  timeoutMs?: number;
  /** Feature override for reading both modules. */
  features?: string[];
}

/** Strict by default: nothing unproved reaches the output unless the user asks for less. */
export const DEFAULT_VERIFY_MODE = OptionDefaults.verify;

/**
 * The optimize job as a library: ingest, archipelago, verification, assembly, emit. No transport here: the
 * daemon (and the CLI's private daemon) call it. One Engine keeps its worker pools warm across jobs.
 */
export class Engine {
  private readonly pool: BinaryenPool;
  private readonly verifier: Verifier;
  private readonly config: EngineConfig;

  constructor(config: EngineConfig = {}) {
    this.config = config;
    this.pool = new BinaryenPool({
      threads: config.islandThreads ?? availableParallelism(),
      ...(config.islandHeapMb ? { maxHeapMb: config.islandHeapMb } : {}),
    });
    this.verifier = this.makeVerifier(config.solverTimeoutMs);
  }

  async warmUp(): Promise<void> {
    await Promise.all([this.pool.warmUp(), this.verifier.warmUp()]);
  }

  status(): { islandThreads: number; solverThreads: number; queued: number; completed: number } {
    const { threads, queued, completed } = this.pool.stats;
    return { islandThreads: threads, solverThreads: this.solverThreads(), queued, completed };
  }

  async optimize(bytes: Uint8Array, options: OptimizeOptions = {}, hooks: JobHooks = {}): Promise<OptimizedModule> {
    const started = performance.now();
    const settings = resolveOptions(options, DEFAULT_VERIFY_MODE);
    const progress = new ProgressPlan(hooks.onProgress, settings.generations, settings.verify);

    progress.ingest();
    const input = ingestBytes(bytes);
    const cacheKey = resultCacheKey(input.sha256, canonicalOptions(settings), versions());
    const hit = await this.resultCache()?.get(cacheKey);
    if (hit) {
      progress.done('answered from the result cache');
      const total = Math.round(performance.now() - started);
      return {
        output: hit.output,
        report: { ...hit.report, cached: true, timeMs: { total, ingest: total, optimize: 0, verify: 0, emit: 0 } },
      };
    }
    const ingested = await this.pool.ingest(
      { bytes, declared: input.declared, override: settings.features, objective: settings.objective },
      hooks.signal,
    );
    const ingestMs = performance.now() - started;
    if (ingested.droppedNames) hooks.onLog?.(`the input's name section is damaged (${ingested.droppedNames}): it is read without names`);

    let verifyMs = 0;
    /** A verifier failure on one candidate rejects that candidate; the job goes on with what is proved. */
    const verifyFailures: OptimizeReport['failures'] = [];
    const chain =
      settings.verify === 'strict'
        ? new ProvedChain(
            { named: ingested.named, stripped: bytes, score: ingested.score },
            this.checker,
            this.pool,
            ingested.flags,
            settings.objective,
          )
        : undefined;
    const search = await runArchipelago(
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
      },
      {
        signal: hooks.signal,
        onGeneration: (generation) => progress.generation(generation),
        ...(chain && {
          afterGeneration: async (generation, champion) => {
            const t = performance.now();
            try {
              await chain.consider(champion, hooks.signal, (done, total) => progress.verified(generation, done, total));
            } catch (error) {
              if (hooks.signal?.aborted) throw error;
              const message = `verification failed, candidate not accepted: ${error instanceof Error ? error.message : String(error)}`;
              verifyFailures.push({ generation, island: champion.island, error: message });
              hooks.onLog?.(message);
            }
            verifyMs += performance.now() - t;
          },
        }),
      },
    );
    for (const failure of search.failures) {
      hooks.onLog?.(`island ${failure.island} failed in generation ${failure.generation}: ${failure.error}`);
    }

    let verification: VerifyReport | undefined;
    if (settings.verify === 'report') {
      const t = performance.now();
      try {
        verification = await this.checker.verifyModules(ingested.named, search.champion.named, {
          featureFlags: ingested.flags,
          sameLineage: true,
          ...(hooks.signal ? { signal: hooks.signal } : {}),
          onProgress: (done, total) => progress.verified(undefined, done, total, 'verifying the champion against the input'),
        });
      } catch (error) {
        if (hooks.signal?.aborted) throw error;
        const message = `verification failed: ${error instanceof Error ? error.message : String(error)}`;
        verifyFailures.push({ generation: search.champion.generation, island: search.champion.island, error: message });
        hooks.onLog?.(message);
      }
      verifyMs += performance.now() - t;
    }
    const optimizeMs = performance.now() - started - ingestMs - verifyMs;

    progress.emitting();
    const emitStarted = performance.now();
    const chosen = chain ? chain.accepted : { ...search.champion, how: 'champion' as const };
    // Nothing lost: when nothing beat the input itself, the input goes out unchanged.
    const improved = chosen.score.value < ingested.score.value || (chosen.score.value === ingested.score.value && chosen.score.size < bytes.length);
    const output = improved ? (settings.keepNames ? chosen.named : chosen.stripped) : bytes;
    if (!WebAssembly.validate(output)) {
      throw new AtollError(ErrorCodes.InternalError, 'the optimized module does not validate in V8; nothing was written');
    }
    const emitDone = performance.now();

    const report: OptimizeReport = {
      input: {
        bytes: bytes.length,
        sha256: input.sha256,
        features: ingested.features,
        featureSource: ingested.featureSource,
        functions: ingested.functions,
      },
      output: { bytes: output.length, sha256: sha256(output) },
      objective: settings.objective,
      baseline: search.baseline
        ? { bytes: search.baseline.resident.score.size, value: search.baseline.resident.score.value, ms: Math.round(search.baseline.ms) }
        : null,
      champion: improved
        ? {
            island: chosen.island,
            generation: chosen.generation,
            // A mosaic is the accepted module with some of this candidate's functions, not the candidate.
            genome: [...(chosen.how === 'mosaic' ? ['(mosaic) proved functions taken from:'] : []), ...genomeOf(search, chosen)],
            value: chosen.score.value,
          }
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
        deterministic: search.completed,
      },
      history: search.history,
      migrations: search.migrations,
      failures: [...search.failures, ...verifyFailures],
      ...verificationFields(settings, chain, verification, search, output.length),
      timeMs: {
        total: Math.round(emitDone - started),
        ingest: Math.round(ingestMs),
        optimize: Math.round(optimizeMs),
        verify: Math.round(verifyMs),
        emit: Math.round(emitDone - emitStarted),
      },
      cached: false,
    };
    try {
      await this.resultCache()?.set(cacheKey, { output, report });
    } catch (error) {
      // A cache that cannot be written costs the next run time, never this run its result.
      hooks.onLog?.(`result cache not written: ${error instanceof Error ? error.message : String(error)}`);
    }
    progress.done('done');
    return { output, report };
  }

  /**
   * Checks any optimizer's output against its input (e.g. wasm-opt's). Both are read with the features the
   * input needs (or the override); a candidate that needs more than that is itself an error.
   */
  async verify(base: Uint8Array, candidate: Uint8Array, options: VerifyPairOptions = {}, hooks: JobHooks = {}): Promise<VerifyReport> {
    hooks.onProgress?.({ phase: 'ingest', percentage: 0 });
    const override = options.features && parseFeatureNames(options.features);
    const a = ingestBytes(base);
    const b = ingestBytes(candidate);
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
    return this.checker.verifyModules(readable(base, sideA, 'base'), readable(candidate, sideB, 'candidate'), {
      featureFlags: sideA.flags,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onProgress: (done, total) =>
        hooks.onProgress?.({ phase: 'verify', percentage: Math.floor((99 * done) / Math.max(1, total)), done, total, unit: 'function pairs' }),
    });
  }

  /**
   * Every check of a module pair runs on a binaryen worker (workers/verify-modules.ts): nothing that grows
   * with the modules (IR, SMT text, run harnesses) is built on the calling thread, the daemon's main thread.
   * This thread only answers the worker's solver and proof-cache requests.
   */
  private readonly checker: ModuleVerifier = {
    verifyModules: async (base: Uint8Array, candidate: Uint8Array, opts: VerifyModulesOptions): Promise<VerifyReport> => {
      const verdicts = this.verifier.verdicts(opts.session);
      return this.pool.verifyModules({
        base, candidate, flags: opts.featureFlags,
        ...(opts.sameLineage ? { sameLineage: true } : {}),
        z3Version: await this.verifier.z3Version(),
        timeoutMs: opts.timeoutMs ?? this.config.solverTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        concurrency: this.verifier.threads,
        services: {
          solve: (query) => this.verifier.solve(query, opts.signal),
          proofGet: (key) => verdicts.get(key),
          proofSet: (key, verdict, evidence) => verdicts.set(key, verdict, evidence && (() => evidence)),
        },
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      }, opts.signal);
    },
  };

  /**
   * `atoll cache verify`: the key a cached proof's evidence hashes to and a fresh decision of its pair
   * (Verifier.recheck); the caller compares the key with the entry's and removes an entry that fails.
   */
  recheckProof(evidence: ProofEvidence, signal?: AbortSignal): Promise<{ key: string; verdict: Verdict }> {
    return this.verifier.recheck(evidence, signal);
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.verifier.close()]);
  }

  private resultCache(): ResultCache | undefined {
    return this.config.resultCache;
  }

  private solverThreads(): number {
    return this.config.solverThreads ?? availableParallelism();
  }

  private makeVerifier(timeoutMs: number | undefined): Verifier {
    return new Verifier({
      threads: this.solverThreads(),
      ...(timeoutMs ? { timeoutMs } : {}),
      ...(this.config.proofCache ? { proofCache: this.config.proofCache } : {}),
    });
  }
}

/** The genomes that produced the chosen module, when it is one the search produced (not a mosaic). */
function genomeOf(search: ArchipelagoResult, chosen: { island: number; generation: number }): string[] {
  const resident = search.residents
    .flat()
    .find((r) => r.island === chosen.island && r.generation === chosen.generation);
  return resident ? resident.lineage.map(describeGenome) : [];
}

/** The report's verification fields for the mode that ran. */
function verificationFields(
  settings: ResolvedOptions,
  chain: ProvedChain | undefined,
  verification: VerifyReport | undefined,
  search: ArchipelagoResult,
  outputBytes: number,
): Pick<OptimizeReport, 'verification' | 'verifiedStatus' | 'rejected' | 'verificationSteps' | 'proofTax'> {
  if (settings.verify === 'off') return { verifiedStatus: 'unverified' };
  if (settings.verify === 'report') {
    if (!verification) return { verifiedStatus: 'unverified' };
    return { verification, verifiedStatus: fullyProved(verification) ? 'proved' : 'partially-proved' };
  }
  const provedInOutput = [...chain!.provenance.values()];
  const rejected = [...chain!.rejected.values()].filter((f) => !chain!.provenance.has(f.name));
  const last = chain!.steps.findLast((s) => s.outcome !== 'rejected');
  const sum = (pick: (s: Step) => number) => chain!.steps.reduce((n, s) => n + pick(s), 0);
  return {
    verifiedStatus: 'proved',
    verification: {
      functions: provedInOutput,
      totals: totals([...provedInOutput, ...rejected]),
      module: last?.report.module ?? { accepted: true, findings: ['no change was accepted: the output is the input'], differences: 0 },
      unmatched: last?.report.unmatched ?? { base: [], candidate: [] },
      timeMs: {
        total: sum((s) => s.ms),
        solver: sum((s) => s.report.timeMs.solver),
        cached: sum((s) => s.report.timeMs.cached),
      },
    },
    rejected,
    verificationSteps: chain!.steps.map((s) => ({
      generation: s.generation,
      island: s.island,
      candidateBytes: s.candidateSize,
      outcome: s.outcome,
      taken: s.taken,
      changed: changedFunctions(s.report).length,
      proved: s.report.totals.proved,
      ms: s.ms,
    })),
    proofTax: outputBytes - search.champion.score.size,
  };
}
