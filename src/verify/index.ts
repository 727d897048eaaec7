import { AtollError, ErrorCodes } from '../protocol/errors.js';
import type { FunctionVerdict, ProofMethod, UnknownReason, Verdict, VerifyReport, VerifyTotals } from '../protocol/report.js';
import { describeBinaryenError, readModule, binaryen } from '../wasm/binaryen.js';
import { extractModule, functionHash, type IrFunction, type IrModule } from '../wasm/ir.js';
import { completeDataSegments } from '../wasm/data-section.js';
import { renameFunctionsAndGlobals } from '../wasm/names.js';
import { alphaEquivalent } from './alpha.js';
import { proofCacheKey } from './cache-key.js';
import { ModuleContext, hasLoop } from './context.js';
import { Unsupported, encodeFunctionPair, type EncodedQuery } from './encoder.js';
import { InductionPlan } from './induction.js';
import { localChangeQueries } from './local-change.js';
import { matchModules, type ModuleMatch } from './matching.js';
import { namedFunctionCount } from './names.js';
import { checkModules } from './module-check.js';
import { isCacheable, type ProofCache } from './proof-cache.js';
import { replay } from './replay.js';
import { bvLit } from './smt.js';
import { SolverPool } from './solver-pool.js';
import type { SolverAnswer } from './solver-task.js';

export type { ProofCache } from './proof-cache.js';

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

/** Loop iterations encoded when looking for a counterexample in a loop that could not be proved. */
const REFUTATION_UNROLL = 3;

/** Solver calls one induction proof may make while it weakens its coupling (Houdini steps included). */
const INDUCTION_CHECKS = 48;

/** Largest SMT text sent to a solver. */
const SMT_TEXT_CAP = 8_000_000;

interface Side {
  bytes: Uint8Array;
  ir: IrModule;
  ctx: ModuleContext;
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
  private solverMs = 0;

  constructor(private readonly opts: VerifierOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.sizeCap = opts.sizeCap ?? 6000;
  }

  private solvers(): SolverPool {
    this.pool ??= new SolverPool(this.opts.threads);
    return this.pool;
  }

  async warmUp(): Promise<void> {
    await this.solvers().warmUp();
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  async verifyModules(base: Uint8Array, candidate: Uint8Array, opts: VerifyModulesOptions): Promise<VerifyReport> {
    const started = performance.now();
    this.solverMs = 0;
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
    const a: Side = { bytes: base, ir: irA, ctx: new ModuleContext(irA) };
    const b: Side = { bytes: renamed ?? candidate, ir: irB, ctx: new ModuleContext(irB) };
    const z3Version = await this.solvers().z3Version();
    const work = [...pairs].filter(([name]) => !opts.only || opts.only.includes(name));
    const results: FunctionVerdict[] = new Array(work.length);
    let done = 0;
    let cachedMs = 0;
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const i = next++;
        const [nameA, nameB] = work[i]!;
        opts.signal?.throwIfAborted();
        const t = performance.now();
        const result = await this.decide(a.ctx.functions.get(nameA)!, b.ctx.functions.get(nameB)!, a, b, opts.featureFlags, z3Version, opts.signal, opts.session).catch(
          (error: unknown) => {
            if (opts.signal?.aborted) throw error;
            return { verdict: undecided(error), cached: false };
          },
        );
        if (result.verdict.status === 'refuted' && match.guessed.has(nameA)) result.verdict = doubtfulPair(result.verdict);
        const ms = performance.now() - t;
        if (result.cached) cachedMs += ms;
        results[i] = { name: nameA, verdict: result.verdict, cached: result.cached, ms: Math.round(ms * 10) / 10 };
        opts.onProgress?.(++done, work.length);
      }
    };
    await Promise.all(Array.from({ length: this.solvers().threads }, worker));
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
      timeMs: { total: Math.round(performance.now() - started), solver: Math.round(this.solverMs), cached: Math.round(cachedMs) },
    };
  }

  private async decide(
    fa: IrFunction,
    fb: IrFunction,
    a: Side,
    b: Side,
    features: number,
    z3Version: string,
    signal?: AbortSignal,
    session?: Map<string, Verdict>,
  ): Promise<{ verdict: Verdict; cached: boolean }> {
    if (fa.imported || fb.imported) {
      const same = JSON.stringify(fa.imported) === JSON.stringify(fb.imported);
      return { verdict: same ? { status: 'proved', method: 'identical' } : unknown('unsupported', 'an import became a definition or the reverse'), cached: false };
    }
    if (fa.params.join() !== fb.params.join() || fa.results.join() !== fb.results.join()) {
      return { verdict: unknown('signature-changed'), cached: false };
    }
    if (functionHash(fa) === functionHash(fb)) return { verdict: { status: 'proved', method: 'identical' }, cached: false };
    if (alphaEquivalent(fa, fb)) return { verdict: { status: 'proved', method: 'alpha' }, cached: false };
    const key = proofCacheKey(fa, fb, a.ctx, b.ctx, z3Version);
    const hit = session?.get(key) ?? (await this.opts.proofCache?.get(key));
    if (hit) return { verdict: hit, cached: true };
    const verdict = await this.prove(fa, fb, a, b, features, signal);
    session?.set(key, verdict);
    if (this.opts.proofCache && isCacheable(verdict)) await this.opts.proofCache.set(key, verdict);
    return { verdict, cached: false };
  }

  private async prove(fa: IrFunction, fb: IrFunction, a: Side, b: Side, features: number, signal?: AbortSignal): Promise<Verdict> {
    if (fa.size + fb.size > this.sizeCap) return unknown('size-cap', `${fa.size + fb.size} expressions > ${this.sizeCap}`);
    let query: EncodedQuery;
    try {
      query = encodeFunctionPair(fa, fb, a.ctx, b.ctx);
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      if (error.reason !== 'loop' && !hasLoop(fa.body) && !hasLoop(fb.body)) return unknown('unsupported', error.construct);
      const local = await this.proveLocalChange(fa, fb, a, b, signal);
      if (local.status === 'proved' || (local.status === 'unknown' && local.reason !== 'loop')) return local;
      const induction = await this.proveByInduction(fa, fb, a, b, signal);
      if (induction.status === 'proved') return induction;
      return (await this.refuteByUnrolling(fa, fb, a, b, features, signal)) ?? induction;
    }
    if (query.smt.length > SMT_TEXT_CAP) return unknown('size-cap', `SMT text of ${query.smt.length} characters`);
    const answer = await this.check(query.smt, signal, this.narrowing(a));
    if (answer.status === 'unsat') return { status: 'proved', method: 'smt' };
    if (answer.status === 'unknown') return unknownFromSolver(answer.reason);
    return this.replayModel(fa, fb, a, b, features, query, answer.model);
  }

  /**
   * Loops that could not be proved may still be refuted: a difference within a few iterations, replayed in
   * V8, is a real one. An unsat answer here proves nothing and is ignored.
   */
  private async refuteByUnrolling(fa: IrFunction, fb: IrFunction, a: Side, b: Side, features: number, signal?: AbortSignal): Promise<Verdict | undefined> {
    let query: EncodedQuery;
    try {
      query = encodeFunctionPair(fa, fb, a.ctx, b.ctx, REFUTATION_UNROLL);
    } catch (error) {
      if (error instanceof Unsupported) return undefined;
      throw error;
    }
    if (query.smt.length > SMT_TEXT_CAP) return undefined;
    const answer = await this.check(query.smt, signal, this.narrowing(a));
    if (answer.status !== 'sat') return undefined;
    const verdict = this.replayModel(fa, fb, a, b, features, query, answer.model);
    return verdict.status === 'refuted' ? verdict : undefined;
  }

  private replayModel(fa: IrFunction, fb: IrFunction, a: Side, b: Side, features: number, query: EncodedQuery, model: Record<string, string>): Verdict {
    const outcome = replay({ bytes: a.bytes, ir: a.ir, fn: fa }, { bytes: b.bytes, ir: b.ir, fn: fb }, features, query, model);
    if (outcome.differs) {
      return { status: 'refuted', counterexample: { params: outcome.params, state: outcome.state, observed: { base: outcome.base, candidate: outcome.candidate } } };
    }
    const why = outcome.problem ?? `both ran alike: ${outcome.base}`;
    const approximations = [...query.shared.approximations];
    if (approximations.length > 0 && !outcome.problem) {
      return unknown('approximation', `a model of ${approximations.slice(0, 4).join(', ')} told them apart, real runs did not (params ${outcome.params.join(' ')})`);
    }
    return unknown('encoder-fault', `counterexample did not reproduce (params ${outcome.params.join(' ')}): ${why}`);
  }

  private async proveLocalChange(fa: IrFunction, fb: IrFunction, a: Side, b: Side, signal?: AbortSignal): Promise<Verdict> {
    let queries;
    try {
      queries = localChangeQueries(fa, fb, a.ctx, b.ctx);
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      return unknown(error.reason, error.construct);
    }
    if (!queries) return unknown('loop', 'a loop changed beyond self-contained subtrees');
    for (const q of queries) {
      if (q.smt.length > SMT_TEXT_CAP) return unknown('size-cap', `SMT text of ${q.smt.length} characters`);
      const answer = await this.check(q.smt, signal);
      if (answer.status === 'unknown') return unknownFromSolver(answer.reason);
      // A fragment pair that differs for some local values is no refutation: those values may never occur.
      if (answer.status === 'sat') return unknown('loop', 'a changed subtree inside a loop differs for some local values');
    }
    return { status: 'proved', method: 'local-change' };
  }

  /**
   * Induction at matched loop headers (see induction.ts), with the coupling found Houdini-style: start from
   * every type-compatible equality between a base and a candidate local, drop those a model breaks, and stop
   * when every segment's obligation is unsat under one coupling. A model that breaks no dropped equality is
   * no refutation (its start state may be unreachable): the verdict is then unknown.
   */
  private async proveByInduction(fa: IrFunction, fb: IrFunction, a: Side, b: Side, signal?: AbortSignal): Promise<Verdict> {
    const plan = InductionPlan.create(fa, fb, a.ctx, b.ctx);
    if (!plan) return unknown('loop', 'loops do not match one to one in nesting and order');
    let checks = 0;
    try {
      let coupling = plan.initialCoupling();
      for (let stable = false; !stable;) {
        stable = true;
        for (const segment of plan.segments) {
          for (;;) {
            if (++checks > INDUCTION_CHECKS) return unknown('loop', `no inductive coupling within ${INDUCTION_CHECKS} solver calls`);
            const query = plan.encode(segment, coupling);
            if (query.smt.length > SMT_TEXT_CAP) return unknown('size-cap', `SMT text of ${query.smt.length} characters`);
            const answer = await this.check(query.smt, signal);
            if (answer.status === 'unsat') break;
            if (answer.status === 'unknown') return unknownFromSolver(answer.reason);
            const weaker = plan.weaken(coupling, answer.model);
            if (!weaker) return unknown('loop', `no coupling of equal locals is inductive (${segment < 0 ? 'entry' : `loop ${segment}`})`);
            coupling = weaker;
            stable = false;
          }
        }
      }
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      return unknown(error.reason, error.construct);
    }
    return { status: 'proved', method: 'induction' };
  }

  /** A model with a small memory is cheaper to replay; asked for first. */
  private narrowing(side: Side): string | undefined {
    const memory = side.ir.memory;
    if (!memory) return undefined;
    const width = memory.is64 ? 64 : 32;
    return `(assert (bvule size0 ${bvLit(BigInt(memory.initial + 1), width)}))`;
  }

  private async check(smt: string, signal?: AbortSignal, narrow?: string): Promise<SolverAnswer> {
    const t = performance.now();
    try {
      return await this.solvers().check({ smt, timeoutMs: this.timeoutMs, ...(narrow ? { narrow } : {}) }, signal);
    } finally {
      this.solverMs += performance.now() - t;
    }
  }
}

/**
 * One function whose encoding failed must not sink the whole check: it is unknown, with the failure named.
 * Deeply nested code (TinyGo output) can exhaust the stack of the recursive encoder.
 */
function undecided(error: unknown): Verdict {
  if (error instanceof RangeError && /call stack/.test(error.message)) return unknown('size-cap', 'expression nesting too deep for the encoder');
  return unknown('encoder-fault', `the encoder failed: ${error instanceof Error ? error.message : String(error)}`);
}

function unknownFromSolver(reason: string): Verdict {
  if (reason.startsWith('solver-error')) return unknown('solver-error', reason);
  return unknown('timeout', reason);
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
