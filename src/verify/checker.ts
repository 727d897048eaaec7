import type { Verdict } from '../protocol/report.js';
import { functionHash, hasLoop, sameSignature, type IrFunction } from '../wasm/ir.js';
import { alphaEquivalent } from './alpha.js';
import { proofCacheKey, proofEvidence } from './cache-key.js';
import type { ModuleContext } from './context.js';
import { Unsupported, encodeFunctionPair, type EncodedQuery } from './encoder.js';
import { InductionPlan } from './induction.js';
import { localChangeQueries } from './local-change.js';
import type { ProofCache } from './proof-cache.js';
import { replay } from './replay.js';
import { bvLit } from './smt.js';
import type { SolverAnswer, SolverQuery } from './solver-task.js';

/**
 * The check of one function pair: is `candidate.fn` equivalent to `base.fn` (design §2), each read in its own
 * module context? This is the one entry point every caller uses — `atoll verify` for whole jumps, the
 * proof-carrying pipelines for one pass step — and it runs on whatever thread holds the IR: z3 is reached only
 * through `services.solve` (the solver pool, directly or over a worker's service port), so nothing here
 * talks to z3 or to a pool.
 */

/** One side of a pair: the function, and the module context its encoding may read (callees, globals, memory). */
export interface PairSide {
  fn: IrFunction;
  ctx: ModuleContext;
  /** The side's module as bytes, to replay a counterexample for real; called only when a model exists. */
  bytes(): Uint8Array;
}

/** What a check may ask of the world around it. */
export interface CheckServices {
  /** z3: SMT-LIB text in, answer out. */
  solve(query: SolverQuery, signal?: AbortSignal): Promise<SolverAnswer>;
  /**
   * Verdicts by content key (see `jobVerdicts`): asked before the solver, told every new verdict; the store
   * decides what it keeps and for how long.
   */
  verdicts?: ProofCache;
  /** Part of every proof-cache key. */
  z3Version: string;
}

export interface CheckOptions {
  featureFlags: number;
  /** Per solver query, default 5000 ms. */
  timeoutMs?: number;
  /** Largest pair (expression count of both bodies) that is encoded; default 6000. */
  sizeCap?: number;
  signal?: AbortSignal;
}

export interface CheckResult {
  verdict: Verdict;
  /** The verdict came from the verdict store. */
  cached: boolean;
  /** Time spent waiting for z3, and how many queries it was asked. */
  solverMs: number;
  solverCalls: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_SIZE_CAP = 6000;

/** Loop iterations encoded when looking for a counterexample in a loop that could not be proved. */
const REFUTATION_UNROLL = 3;

/** Solver calls one induction proof may make while it weakens its coupling (Houdini steps included). */
const INDUCTION_CHECKS = 48;

/** Largest SMT text sent to a solver. */
const SMT_TEXT_CAP = 8_000_000;

const unknown = (reason: Extract<Verdict, { status: 'unknown' }>['reason'], detail?: string): Verdict => ({ status: 'unknown', reason, ...(detail ? { detail } : {}) });

/**
 * Decides one pair: identical and alpha-equivalent bodies at once, then the proof cache, then the solver.
 * A failure of the encoder on this pair is an unknown verdict with the failure named, never an exception.
 */
export async function checkPair(base: PairSide, candidate: PairSide, services: CheckServices, options: CheckOptions): Promise<CheckResult> {
  const check = new PairCheck(base, candidate, services, options);
  let verdict: Verdict;
  let cached = false;
  try {
    ({ verdict, cached } = await check.decide());
  } catch (error) {
    if (options.signal?.aborted) throw error;
    verdict = undecided(error);
  }
  return { verdict, cached, solverMs: Math.round(check.solverMs), solverCalls: check.solverCalls };
}

class PairCheck {
  solverMs = 0;
  solverCalls = 0;
  private readonly fa: IrFunction;
  private readonly fb: IrFunction;
  private readonly timeoutMs: number;
  private readonly sizeCap: number;

  constructor(
    private readonly a: PairSide,
    private readonly b: PairSide,
    private readonly services: CheckServices,
    private readonly options: CheckOptions,
  ) {
    this.fa = a.fn;
    this.fb = b.fn;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.sizeCap = options.sizeCap ?? DEFAULT_SIZE_CAP;
  }

  async decide(): Promise<{ verdict: Verdict; cached: boolean }> {
    const { fa, fb, a, b, services } = this;
    if (fa.imported || fb.imported) {
      const same = JSON.stringify(fa.imported) === JSON.stringify(fb.imported);
      return { verdict: same ? { status: 'proved', method: 'identical' } : unknown('unsupported', 'an import became a definition or the reverse'), cached: false };
    }
    if (!sameSignature(fa, fb)) {
      return { verdict: unknown('signature-changed'), cached: false };
    }
    if (functionHash(fa) === functionHash(fb)) return { verdict: { status: 'proved', method: 'identical' }, cached: false };
    if (alphaEquivalent(fa, fb)) return { verdict: { status: 'proved', method: 'alpha' }, cached: false };
    const key = proofCacheKey(fa, fb, a.ctx, b.ctx, services.z3Version);
    const hit = await services.verdicts?.get(key);
    if (hit) return { verdict: hit, cached: true };
    const verdict = await this.prove();
    await services.verdicts?.set(key, verdict, () => proofEvidence(fa, fb, a.ctx, b.ctx, this.options.featureFlags));
    return { verdict, cached: false };
  }

  private async prove(): Promise<Verdict> {
    const { fa, fb, a, b } = this;
    if (fa.size + fb.size > this.sizeCap) return unknown('size-cap', `${fa.size + fb.size} expressions > ${this.sizeCap}`);
    let query: EncodedQuery;
    try {
      query = encodeFunctionPair(fa, fb, a.ctx, b.ctx);
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      if (error.reason !== 'loop' && !hasLoop(fa.body) && !hasLoop(fb.body)) return unknown('unsupported', error.construct);
      const local = await this.proveLocalChange();
      if (local.status === 'proved' || (local.status === 'unknown' && local.reason !== 'loop')) return local;
      const induction = await this.proveByInduction();
      if (induction.status === 'proved') return induction;
      return (await this.refuteByUnrolling()) ?? induction;
    }
    if (query.smt.length > SMT_TEXT_CAP) return unknown('size-cap', `SMT text of ${query.smt.length} characters`);
    const answer = await this.solve(query.smt, this.narrowing());
    if (answer.status === 'unsat') return { status: 'proved', method: 'smt' };
    if (answer.status === 'unknown') return unknownFromSolver(answer.reason);
    return this.replayModel(query, answer.model);
  }

  /**
   * Loops that could not be proved may still be refuted: a difference within a few iterations, replayed in
   * V8, is a real one. An unsat answer here proves nothing and is ignored.
   */
  private async refuteByUnrolling(): Promise<Verdict | undefined> {
    const { fa, fb, a, b } = this;
    let query: EncodedQuery;
    try {
      query = encodeFunctionPair(fa, fb, a.ctx, b.ctx, REFUTATION_UNROLL);
    } catch (error) {
      if (error instanceof Unsupported) return undefined;
      throw error;
    }
    if (query.smt.length > SMT_TEXT_CAP) return undefined;
    const answer = await this.solve(query.smt, this.narrowing());
    if (answer.status !== 'sat') return undefined;
    const verdict = this.replayModel(query, answer.model);
    return verdict.status === 'refuted' ? verdict : undefined;
  }

  private replayModel(query: EncodedQuery, model: Record<string, string>): Verdict {
    const { fa, fb, a, b } = this;
    const outcome = replay({ bytes: a.bytes(), ir: a.ctx.module, fn: fa }, { bytes: b.bytes(), ir: b.ctx.module, fn: fb }, this.options.featureFlags, query, model);
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

  private async proveLocalChange(): Promise<Verdict> {
    const { fa, fb, a, b } = this;
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
      const answer = await this.solve(q.smt);
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
  private async proveByInduction(): Promise<Verdict> {
    const { fa, fb, a, b } = this;
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
            const answer = await this.solve(query.smt);
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
  private narrowing(): string | undefined {
    const memory = this.a.ctx.module.memory;
    if (!memory) return undefined;
    const width = memory.is64 ? 64 : 32;
    return `(assert (bvule size0 ${bvLit(BigInt(memory.initial + 1), width)}))`;
  }

  private async solve(smt: string, narrow?: string): Promise<SolverAnswer> {
    const t = performance.now();
    this.solverCalls++;
    try {
      return await this.services.solve({ smt, timeoutMs: this.timeoutMs, ...(narrow ? { narrow } : {}) }, this.options.signal);
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

