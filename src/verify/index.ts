import { AtollError, ErrorCodes } from '../protocol/errors.js';
import type { FunctionVerdict, ProofMethod, UnknownReason, Verdict, VerifyReport, VerifyTotals } from '../protocol/report.js';
import { describeBinaryenError, readModule, binaryen } from '../wasm/binaryen.js';
import { extractModule, type IrModule } from '../wasm/ir.js';
import { completeDataSegments } from '../wasm/data-section.js';
import { renameFunctionsAndGlobals } from '../wasm/names.js';
import { checkPair, DEFAULT_SIZE_CAP, DEFAULT_TIMEOUT_MS, type CheckOptions, type CheckServices, type PairSide } from './checker.js';
import { ModuleContext } from './context.js';
import { proofCacheKey, type ProofEvidence } from './cache-key.js';
import { matchModules, type ModuleMatch } from './matching.js';
import { namedFunctionCount } from './names.js';
import { checkModules } from './module-check.js';
import { jobVerdicts, type ProofCache } from './proof-cache.js';
import { SolverPool } from './solver-pool.js';
import type { SolverAnswer, SolverQuery } from './solver-task.js';

export type { ProofCache } from './proof-cache.js';
export type { ProofEvidence } from './cache-key.js';

export interface VerifierOptions {
  threads?: number;
  /** Per query, default 5000 ms. */
  timeoutMs?: number;
  /** Largest pair (expression count of both bodies) that is encoded; default 6000. */
  sizeCap?: number;
  proofCache?: ProofCache;
  /**
   * Reads a module into IR. Default: binaryen on the calling thread. The engine passes its binaryen worker
   * pool instead, so a daemon's main thread never blocks on (or is put at risk by) a large module.
   */
  readIr?: (bytes: Uint8Array, features: number) => Promise<IrModule>;
  /**
   * z3 and the verdict store from elsewhere instead of a solver pool of this verifier's own: a binaryen
   * worker's task passes the services behind its port, so a check (and its counterexample replay, which runs
   * binaryen) happens on that worker, never on a daemon's main thread. `threads` then bounds the checks in
   * flight.
   */
  services?: CheckServices;
}

export interface VerifyModulesOptions {
  featureFlags: number;
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
}

/** Reads a module into plain IR on this thread (binaryen is loaded here anyway). */
export function readIr(bytes: Uint8Array, features: number): IrModule {
  let module: ReturnType<typeof readModule>;
  try {
    module = readModule(bytes, features);
  } catch (error) {
    throw new AtollError(ErrorCodes.MalformedWasm, `binaryen could not read the module: ${describeBinaryenError(error)}`);
  }
  try {
    return extractModule(binaryen, module);
  } finally {
    module.dispose();
  }
}

/** Candidate functions nothing in the base was matched with (by their own names). */
function unmatchedIn(candidate: IrModule, match: ModuleMatch): string[] {
  const matched = new Set(match.functions.values());
  return candidate.functions.filter((f) => !matched.has(f.name)).map((f) => f.name);
}

/**
 * The candidate's bytes with its functions and globals named after the base's they were matched with
 * (the others get names no base entity has), or undefined when its name section cannot be rewritten.
 */
function inBaseNames(candidate: Uint8Array, base: IrModule, ir: IrModule, match: ModuleMatch): Uint8Array | undefined {
  const taken = new Set([...base.functions.map((f) => f.name), ...base.globals.map((g) => g.name)]);
  const fresh = (name: string) => {
    let free = `unmatched$${name}`;
    for (let k = 1; taken.has(free); k++) free = `unmatched$${name}$${k}`;
    taken.add(free);
    return free;
  };
  const inverse = (pairs: Map<string, string>) => new Map([...pairs].map(([a, b]) => [b, a]));
  const functions = inverse(match.functions);
  const globals = inverse(match.globals);
  return renameFunctionsAndGlobals(
    candidate,
    ir.functions.map((f) => functions.get(f.name) ?? fresh(f.name)),
    ir.globals.map((g) => globals.get(g.name) ?? fresh(g.name)),
  );
}

/** A difference between functions paired by a guess may be the guess's fault: it proves nothing either way. */
function doubtfulPair(refuted: Verdict & { status: 'refuted' }): Verdict {
  const { params, observed } = refuted.counterexample;
  return unknown('unmatched', `paired by call-graph position or body, and they differ (params ${params.join(' ')}: ${observed?.base} vs ${observed?.candidate}); the pairing may be wrong`);
}

const unknown = (reason: UnknownReason, detail?: string): Verdict => ({ status: 'unknown', reason, ...(detail ? { detail } : {}) });

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

  private async ownServices(session: Map<string, Verdict> | undefined): Promise<CheckServices> {
    const solvers = this.solvers();
    return {
      solve: (query, signal) => solvers.check(query, signal),
      z3Version: await solvers.z3Version(),
      verdicts: jobVerdicts(this.opts.proofCache, session),
    };
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  async verifyModules(base: Uint8Array, candidate: Uint8Array, opts: VerifyModulesOptions): Promise<VerifyReport> {
    const started = performance.now();
    const read = this.opts.readIr ?? ((bytes: Uint8Array, features: number) => Promise.resolve(readIr(bytes, features)));
    const [irA, irOriginalB] = await Promise.all([read(base, opts.featureFlags), read(candidate, opts.featureFlags)]);
    completeDataSegments(irA, base);
    completeDataSegments(irOriginalB, candidate);
    // binaryen names unnamed functions by their index; only a name section (or one lineage) makes names comparable.
    irA.named = opts.sameLineage === true || namedFunctionCount(base) === irA.functions.length;
    irOriginalB.named = opts.sameLineage === true || namedFunctionCount(candidate) === irOriginalB.functions.length;
    const match = matchModules(irA, irOriginalB);
    const unmatchedCandidate = unmatchedIn(irOriginalB, match);
    // Without names, the candidate is rewritten to carry the names of what it was matched with, so that
    // everything after this (encoder, module check, replay) sees one name space.
    const renamed = irA.named && irOriginalB.named ? undefined : inBaseNames(candidate, irA, irOriginalB, match);
    const irB = renamed ? await read(renamed, opts.featureFlags) : irOriginalB;
    if (renamed) {
      completeDataSegments(irB, renamed);
      irA.named = irB.named = true;
    }
    const pairs = renamed ? matchModules(irA, irB).functions : match.functions;
    const sides = { base: { bytes: base, ctx: new ModuleContext(irA) }, candidate: { bytes: renamed ?? candidate, ctx: new ModuleContext(irB) } };
    const side = (which: keyof typeof sides, name: string): PairSide => ({
      fn: sides[which].ctx.functions.get(name)!,
      ctx: sides[which].ctx,
      bytes: () => sides[which].bytes,
    });
    const services: CheckServices = this.opts.services ?? (await this.ownServices(opts.session));
    const checkOptions: CheckOptions = {
      featureFlags: opts.featureFlags,
      timeoutMs: this.timeoutMs,
      sizeCap: this.sizeCap,
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    const work = [...pairs].filter(([name]) => !opts.only || opts.only.includes(name));
    const results: FunctionVerdict[] = new Array(work.length);
    let done = 0;
    let cachedMs = 0;
    let solverMs = 0;
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const i = next++;
        const [nameA, nameB] = work[i]!;
        opts.signal?.throwIfAborted();
        const t = performance.now();
        const result = await checkPair(side('base', nameA), side('candidate', nameB), services, checkOptions);
        if (result.verdict.status === 'refuted' && match.guessed.has(nameA)) result.verdict = doubtfulPair(result.verdict);
        const ms = performance.now() - t;
        if (result.cached) cachedMs += ms;
        solverMs += result.solverMs;
        results[i] = { name: nameA, verdict: result.verdict, cached: result.cached, ms: Math.round(ms * 10) / 10 };
        opts.onProgress?.(++done, work.length);
      }
    };
    await Promise.all(Array.from({ length: this.opts.services ? (this.opts.threads ?? 4) : this.solvers().threads }, worker));
    const provedNames = new Set(results.filter((r) => r.verdict.status === 'proved').map((r) => r.name));
    const module = checkModules(irA, irB, pairs, (name) => provedNames.has(name) || !work.some(([n]) => n === name));
    return {
      functions: results,
      totals: totals(results),
      module,
      unmatched: {
        base: irA.functions.filter((f) => !pairs.has(f.name)).map((f) => f.name),
        candidate: unmatchedCandidate,
      },
      timeMs: { total: Math.round(performance.now() - started), solver: Math.round(solverMs), cached: Math.round(cachedMs) },
    };
  }

  /**
   * For `atoll cache verify`: the key a proof-cache entry's evidence hashes to (it must be the entry's own),
   * and a fresh decision of its pair by checkPair, with no verdict store. The evidence holds no module bytes,
   * so a model the solver finds cannot be replayed: such a pair comes back unknown, which is still no
   * confirmation.
   */
  async recheck(evidence: ProofEvidence, signal?: AbortSignal): Promise<{ key: string; verdict: Verdict }> {
    const side = ({ name, module }: ProofEvidence['base']): PairSide | undefined => {
      const ctx = new ModuleContext(module);
      const fn = ctx.functions.get(name);
      return fn && { fn, ctx, bytes: () => new Uint8Array(0) };
    };
    const [a, b] = [side(evidence.base), side(evidence.candidate)];
    if (!a || !b) return { key: '', verdict: unknown('unsupported', 'the evidence does not hold both functions') };
    const solvers = this.solvers();
    const services: CheckServices = { solve: (query, abort) => solvers.check(query, abort), z3Version: await solvers.z3Version() };
    const key = proofCacheKey(a.fn, b.fn, a.ctx, b.ctx, services.z3Version);
    const options: CheckOptions = { featureFlags: evidence.features, timeoutMs: this.timeoutMs, sizeCap: this.sizeCap, ...(signal ? { signal } : {}) };
    return { key, verdict: (await checkPair(a, b, services, options)).verdict };
  }
}

export function totals(functions: FunctionVerdict[]): VerifyTotals {
  const t: VerifyTotals = { changed: 0, proved: 0, refuted: 0, unknown: 0, provedBy: {}, unknownBy: {}, coverage: 100 };
  for (const f of functions) {
    const v = f.verdict;
    if (v.status === 'proved') {
      t.provedBy[v.method] = (t.provedBy[v.method] ?? 0) + 1;
      if (v.method === 'identical') continue;
      t.proved++;
    } else if (v.status === 'refuted') {
      t.refuted++;
    } else {
      t.unknown++;
      t.unknownBy[v.reason] = (t.unknownBy[v.reason] ?? 0) + 1;
    }
    t.changed++;
  }
  t.coverage = t.changed === 0 ? 100 : Math.round((1000 * t.proved) / t.changed) / 10;
  return t;
}

export type { ProofMethod };
