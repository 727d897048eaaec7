import type { ProofMethod, Verdict, VerifyReport } from '../protocol/report.js';
import type { IrModule } from '../wasm/ir.js';
import { evidenceContext, proofCacheKey, type ProofEvidence } from './cache-key.js';
import { checkPair, DEFAULT_SIZE_CAP, DEFAULT_TIMEOUT_MS, type CheckOptions, type CheckServices, type PairSide } from './checker.js';
import { verifyModulePair } from './module-pair.js';
import { jobVerdicts, type ProofCache } from './proof-cache.js';
import { SolverPool } from './solver-pool.js';
import type { SolverAnswer, SolverQuery } from './solver-task.js';

export type { ProofCache } from './proof-cache.js';
export { readIr, totals } from './module-pair.js';

export interface VerifierOptions {
  threads?: number;
  /** Per query, default 5000 ms. */
  timeoutMs?: number;
  /** Largest pair (expression count of both bodies) that is encoded; default 6000. */
  sizeCap?: number;
  proofCache?: ProofCache;
  /** Reads a module into IR. Default: binaryen on the calling thread. */
  readIr?: (bytes: Uint8Array, features: number) => Promise<IrModule>;
}

export interface VerifyModulesOptions {
  featureFlags: number;
  /** Per solver query; default: the verifier's (5000 ms unless it was made with another). */
  timeoutMs?: number;
  /** Wall-clock time of each function's check, ms; default none (`atoll verify` gives DEFAULT_FUNCTION_TIME_MS). */
  functionTimeMs?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Only these functions (base names). */
  only?: string[];
  /**
   * Both modules descend from one input through binaryen with the name section kept (the engine's case), so
   * a function's name identifies it even where binaryen made the name up (numbers for unnamed functions).
   */
  sameLineage?: boolean;
  /**
   * Verdicts of this session (one optimize job), keyed like the proof cache but holding every verdict,
   * timeouts included: within one job a pair that timed out once is not sent to the solver again at each
   * generation. Timeouts never reach the persistent proof cache.
   */
  session?: Map<string, Verdict>;
  /** Entry states each changed pair is run from (see CheckOptions.runs); default the checker's. */
  runs?: CheckOptions['runs'];
}

/**
 * The solver pool and the proof cache, and `atoll verify` of a module pair on the calling thread (which must
 * have binaryen: the checks build and run modules). The engine checks on its binaryen workers instead and
 * uses this only to answer their solver and cache requests.
 */
export class Verifier {
  private pool: SolverPool | undefined;
  private readonly timeoutMs: number;
  private readonly sizeCap: number;

  constructor(private readonly opts: VerifierOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.sizeCap = opts.sizeCap ?? DEFAULT_SIZE_CAP;
  }

  private solvers(): SolverPool {
    this.pool ??= new SolverPool(this.opts.threads);
    return this.pool;
  }

  async warmUp(): Promise<void> {
    await this.solvers().warmUp();
  }

  /** One z3 query on this verifier's solver pool (what a worker's service port forwards). */
  solve(query: SolverQuery, signal?: AbortSignal): Promise<SolverAnswer> {
    return this.solvers().check(query, signal);
  }

  z3Version(): Promise<string> {
    return this.solvers().z3Version();
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  /**
   * For `atoll cache verify`: the key a proof-cache entry's evidence hashes to (it must be the entry's own),
   * and a fresh decision of its pair by checkPair, with no verdict store. The evidence holds no module bytes,
   * so nothing can be run and a model the solver finds cannot be replayed: such a pair comes back unknown,
   * which is still no confirmation.
   */
  async recheck(evidence: ProofEvidence, signal?: AbortSignal): Promise<{ key: string; verdict: Verdict }> {
    const side = (evidence: ProofEvidence['base']): PairSide | undefined => {
      const ctx = evidenceContext(evidence);
      const fn = ctx.functions.get(evidence.name);
      return fn && { fn, ctx, bytes: () => new Uint8Array(0) };
    };
    const [a, b] = [side(evidence.base), side(evidence.candidate)];
    if (!a || !b) return { key: '', verdict: { status: 'unknown', reason: 'unsupported', detail: 'the evidence does not hold both functions' } };
    const solvers = this.solvers();
    const services: CheckServices = { solve: (query, abort) => solvers.check(query, abort), z3Version: await solvers.z3Version() };
    const key = proofCacheKey(a.fn, b.fn, a.ctx, b.ctx, services.z3Version);
    const options: CheckOptions = { featureFlags: evidence.features, timeoutMs: this.timeoutMs, sizeCap: this.sizeCap, runs: { before: 0, after: 0 }, ...(signal ? { signal } : {}) };
    return { key, verdict: (await checkPair(a, b, services, options)).verdict };
  }

  async verifyModules(base: Uint8Array, candidate: Uint8Array, opts: VerifyModulesOptions): Promise<VerifyReport> {
    const solvers = this.solvers();
    const { onProgress, session, timeoutMs, functionTimeMs, ...rest } = opts;
    const verdicts = jobVerdicts(this.opts.proofCache, session);
    const report = await verifyModulePair(base, candidate, {
      solve: (query, signal) => solvers.check(query, signal),
      z3Version: await solvers.z3Version(),
      verdicts,
    }, {
      ...rest,
      timeoutMs: timeoutMs ?? this.timeoutMs,
      ...(functionTimeMs ? { functionTimeMs } : {}),
      sizeCap: this.sizeCap,
      concurrency: solvers.threads,
      ...(this.opts.readIr ? { readIr: this.opts.readIr } : {}),
      ...(onProgress ? { onChecked: (_verdict, done, total) => onProgress(done, total) } : {}),
    });
    // A cache write that failed costs a later run time, never this one its report.
    await verdicts.flush();
    return report;
  }
}

export type { ProofMethod };
