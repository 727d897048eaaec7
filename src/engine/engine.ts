import { availableParallelism } from 'node:os';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import type { OptimizeReport, ProgressEvent, VerifyMode } from '../protocol/report.js';
import { runArchipelago } from '../islands/archipelago.js';
import { searchablePasses } from '../islands/catalogue.js';
import { describeGenome } from '../islands/genome.js';
import { BinaryenPool } from '../islands/pool.js';
import { ingestBytes, sha256 } from '../wasm/ingest.js';
import type { ResultCache } from '../cache/result-cache.js';
import { resultCacheKey } from '../cache/result-cache.js';
import { canonicalOptions, resolveOptions, type OptimizeOptions } from './options.js';
import { versions } from './versions.js';

export interface EngineConfig {
  /** binaryen worker threads; default: available cores. */
  islandThreads?: number;
  /** Heap limit per binaryen worker, MB. */
  islandHeapMb?: number;
  /** Answers for inputs seen before with the same options and versions. */
  resultCache?: ResultCache;
}

export interface JobHooks {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  onLog?: (line: string) => void;
}

export interface OptimizeResult {
  output: Uint8Array;
  report: OptimizeReport;
}

/** Verification modes this build can honour; strict and report arrive with the verifier. */
const AVAILABLE_VERIFY_MODES: readonly VerifyMode[] = ['off'];
export const DEFAULT_VERIFY_MODE: VerifyMode = 'off';

/**
 * The optimize job as a library: ingest, archipelago, (verification), emit. No transport here: the daemon
 * and the CLI's private daemon call it. One Engine keeps its worker pools warm across jobs.
 */
export class Engine {
  private readonly pool: BinaryenPool;
  private readonly resultCache: ResultCache | undefined;

  constructor(config: EngineConfig = {}) {
    this.resultCache = config.resultCache;
    this.pool = new BinaryenPool({
      threads: config.islandThreads ?? availableParallelism(),
      ...(config.islandHeapMb ? { maxHeapMb: config.islandHeapMb } : {}),
    });
  }

  warmUp(): Promise<void> {
    return this.pool.warmUp();
  }

  status(): { islandThreads: number; queued: number; completed: number } {
    const { threads, queued, completed } = this.pool.stats;
    return { islandThreads: threads, queued, completed };
  }

  async optimize(bytes: Uint8Array, options: OptimizeOptions = {}, hooks: JobHooks = {}): Promise<OptimizeResult> {
    const started = performance.now();
    const settings = resolveOptions(options, DEFAULT_VERIFY_MODE);
    if (!AVAILABLE_VERIFY_MODES.includes(settings.verify)) {
      throw new AtollError(
        ErrorCodes.NotAvailable,
        `verification mode "${settings.verify}" is not available in this build yet; use --verify off`,
      );
    }
    const progress = (phase: ProgressEvent['phase'], message: string, percentage?: number) =>
      hooks.onProgress?.({ phase, message, ...(percentage === undefined ? {} : { percentage }) });

    progress('ingest', 'reading the module', 0);
    const input = ingestBytes(bytes);
    const cacheKey = resultCacheKey(input.sha256, canonicalOptions(settings), versions());
    const hit = await this.resultCache?.get(cacheKey);
    if (hit) {
      progress('emit', 'unchanged input: answered from the result cache', 100);
      const total = Math.round(performance.now() - started);
      return {
        output: hit.output,
        report: { ...hit.report, cached: true, timeMs: { total, ingest: total, optimize: 0, verify: 0, emit: 0 } },
      };
    }
    const ingested = await this.pool.ingest({ bytes, declared: input.declared, override: settings.features }, hooks.signal);
    const ingestMs = performance.now() - started;

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
        onGeneration: (generation, of) =>
          progress(
            generation === 0 ? 'baseline' : 'generation',
            generation === 0 ? 'generation 0: starting genomes (island 0 is binaryen -Oz)' : `generation ${generation} of ${of}`,
            Math.round(5 + (90 * generation) / (of + 1)),
          ),
      },
    );
    const optimizeDone = performance.now();

    progress('emit', 'writing the output', 97);
    const { champion } = search;
    // Nothing lost: when no island beat the input itself, the input goes out unchanged.
    const improved = champion.score.size < bytes.length || champion.score.value < ingested.score.value;
    const output = improved ? (settings.keepNames ? champion.named : champion.stripped) : bytes;
    if (!WebAssembly.validate(output)) {
      throw new AtollError(ErrorCodes.InternalError, 'the optimized module does not validate in V8; nothing was written');
    }
    const emitDone = performance.now();
    for (const failure of search.failures) {
      hooks.onLog?.(`island ${failure.island} failed in generation ${failure.generation}: ${failure.error}`);
    }
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
            island: champion.island,
            generation: champion.generation,
            genome: champion.lineage.map(describeGenome),
            value: champion.score.value,
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
      failures: search.failures,
      verifiedStatus: 'unverified',
      timeMs: {
        total: Math.round(emitDone - started),
        ingest: Math.round(ingestMs),
        optimize: Math.round(optimizeDone - started - ingestMs),
        verify: 0,
        emit: Math.round(emitDone - optimizeDone),
      },
      cached: false,
    };
    try {
      await this.resultCache?.set(cacheKey, { output, report });
    } catch (error) {
      // A cache that cannot be written costs the next run time, never this run its result.
      hooks.onLog?.(`result cache not written: ${error instanceof Error ? error.message : String(error)}`);
    }
    progress('emit', 'done', 100);
    return { output, report };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
