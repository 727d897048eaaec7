import type { SettledBy, Verdict } from '../protocol/report.js';
import { isBinaryenAbort } from '../wasm/binaryen.js';
import { forEachNode, functionHash, hasLoop, sameSignature, type IrFunction } from '../wasm/ir.js';
import { alphaEquivalent } from './alpha.js';
import { calleeAssumptions, proofCacheKey, proofEvidence, type CalleeAssumptions } from './cache-key.js';
import type { ModuleContext } from './context.js';
import { expandedCallees } from './expand-calls.js';
import { cone, encodeFunctionPair, observables, queryFor, type EncodedQuery, type Observable, type PairEncoding } from './encode/query.js';
import { Unsupported } from './encode/side.js';
import { bvLit } from './graph/semantics.js';
import { Graph, GraphBudgetExceeded, GraphWork, type Term } from './graph/terms.js';
import { Builder } from './graph/build.js';
import { InductionPlan, localTypes } from './induction.js';
import { fragmentDifference, localChangePairs, localChangeQueries } from './local-change.js';
import type { ProofCache } from './proof-cache.js';
import { observedCoupling, withoutObservedBreaks } from './run/loop-samples.js';
import { Refuter } from './run/refute.js';
import { WALL_SAFETY, Z3_WORK_PER_MS, type SolverAnswer, type SolverQuery } from './solver-task.js';

/**
 * The check of one function pair: is `candidate.fn` equivalent to `base.fn` (design §2), each read in its own
 * module context? This is the one entry point every caller uses — `atoll verify` for whole jumps, the
 * proof-carrying pipelines for one pass step — and it runs on whatever thread holds the IR: z3 is reached only
 * through `services.solve` (the solver pool, directly or over a worker's service port), so nothing here
 * talks to z3 or to a pool.
 *
 * In order: identical or alpha-equivalent bodies; the verdict store; the value graph, where both functions
 * become one hash-consed graph in normal form and every observable that meets is settled (loops included,
 * matched at their headers); both functions run for real on a few entry states (a difference is a
 * refutation); z3 for the observables that did not meet, each on its own, first with what both sides share
 * abstracted and a cheap tactic, then whole; for loops the graph could not match, a local change, induction
 * over a coupling of locals, and refutation by a few iterations (never a proof); and when nothing proved the
 * pair, runs on more entry states.
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
  /**
   * Per solver query, default 5000 ms: of z3's work, counted in its resource units (Z3_WORK_PER_MS), so that
   * a query is answered within it or not alike on every run and machine.
   */
  timeoutMs?: number;
  /**
   * For one whole check, default four times the per-query timeout: z3's work on its queries and the value
   * graphs' work, counted in the milliseconds it stands for (GRAPH_WORK_PER_MS).
   */
  budgetMs?: number;
  /**
   * Wall-clock time the whole check may take, ms (default: no limit): what is undecided when it has passed is
   * unknown (timeout). For `atoll verify`, whose user waits on every function. A strict pipeline keeps to
   * `budgetMs` alone, which counts work rather than time, so that its verdicts do not follow the machine's load.
   */
  deadlineMs?: number;
  /** Largest pair (expression count of both bodies) z3 is asked about; default 6000. The value graph takes any. */
  sizeCap?: number;
  signal?: AbortSignal;
  /**
   * Entry states both functions are run from for real (run/): `before` the first solver query (when the
   * value graph did not settle the pair), `after` more when no proof was found. A difference is a
   * refutation. Default 24 and 200; 0 runs none.
   */
  runs?: { before: number; after: number };
  /**
   * False when nothing in the candidate module can call the candidate function (callable.ts): a change is
   * then `proved (unreachable)`. Only a caller checking a whole module that runs as it is may say so (not a
   * pass step, whose module is not final). Default true.
   */
  callable?: boolean;
  /**
   * False: only what needs neither z3 nor runs (identity, the verdict store, the value graph) decides; a pair
   * the graph does not settle is unknown (timeout, not asked) and that verdict is not stored. For a caller
   * that has seen the solver give up on this function already (see proved-pipeline.ts). Default true.
   */
  solver?: boolean;
  /**
   * False: a loop that could not be proved is not unrolled a few iterations to look for a counterexample with
   * z3 (runs still look). For a caller to whom a refutation and an unknown mean the same thing: a strict
   * pipeline sends both back, and the unrolled query of a pair that is in fact equivalent runs to its timeout
   * (rabin's inlined fn10: 6.5 s of the 6.8 s its check took). Default true.
   */
  unrollToRefute?: boolean;
}

export type { SettledBy };

export interface CheckResult {
  verdict: Verdict;
  settledBy: SettledBy;
  /** The verdict came from the verdict store. */
  cached: boolean;
  /** Time spent waiting for z3, and how many queries it was asked. */
  solverMs: number;
  solverCalls: number;
  /** Entry states both sides ran from to the end, and those a side was cut off on (fuel, stack, set-up). */
  runs: { ran: number; inconclusive: number };
  /** A proof's assumptions about other functions; absent when it read no callee (identical, alpha) or proved nothing. */
  assumes?: CalleeAssumptions;
}

export const DEFAULT_RUNS = { before: 24, after: 200 };

export const DEFAULT_TIMEOUT_MS = 5000;
/** Largest pair (expressions of both bodies) sent to z3. */
export const DEFAULT_SIZE_CAP = 6000;
/** Largest pair encoded at all (the graph's memory stays bounded). */
const GRAPH_SIZE_CAP = 60_000;

/** The cheap first attempt at each observable: its budget, within the per-query timeout. */
const QUICK_MS = 300;

/**
 * The share of a check's deadline (CheckOptions.deadlineMs) kept for runs on entry states after the proof
 * attempts, when the check runs any: a difference that most entry states show is refuted there in
 * milliseconds, and a solver that used the whole time left them none (the mutant campaign on as-sha256 and
 * rabin at 1.5 s: 13 of 150 mutants that differ on a run went unrefuted, every one a solver timeout).
 */
const RUNS_SHARE = 0.25;

/** See Check.afterRuns. */
const AFTER_RUNS_WITHIN_DEADLINE = 2000;

/** Below this, what is left of a check's budget is not worth a query. */
const MIN_QUERY_MS = 50;

/**
 * A local change is tried in the graph first only while its subtrees are at most this share of the pair
 * (1/LOCAL_SHARE): a larger one costs about what the whole pair does, with less to go on.
 */
const LOCAL_SHARE = 4;

/** Loop iterations encoded when looking for a counterexample in a loop that could not be proved. */
const REFUTATION_UNROLL = 3;
/** Terms in the unrolled refutation's graph. */
const UNROLL_TERM_CAP = 400_000;
/** Terms in the value graph of one pair: far above what any corpus pair needs. */
const GRAPH_TERM_CAP = 2_000_000;
/**
 * The graphs of one check may do this much work (GraphWork: terms interned, operands normalised, a
 * connective's operand pairs, entries merged at joins, terms the loop matcher visits) per millisecond of the
 * check's budget. Measured on graph-only checks (no z3, no runs) on a quiet 2-core machine, in a fresh
 * process: 1260 per ms over the 390 -Oz steps of rabin, as-sha256 and hash-wasm sha256, blake3 and argon2
 * (fixed costs included); 1290–1810 per ms on the tree-sitter runtime's largest pairs (1235 to 12879
 * expressions), the ones a budget stops, and 1250 (first run) to 1990 (second) on its fn124's ssa-nomerge
 * step, which the graph proves with 9.8 million.
 */
const GRAPH_WORK_PER_MS = 1600;
/**
 * A graph that is still being built after this many times the check's budget (at most GRAPH_SAFETY_MS) is
 * given up whatever work it has left (GraphBudget): far above what the work allows, and a pipeline's checks
 * in flight on one thread stay well below the pool's silence limit. The same margin as z3's (WALL_SAFETY): at
 * three times, two of brotli-wasm's graphs were given up this way with two strict runs and a bench sharing
 * the machine, and a verdict a clock decides may differ from run to run.
 */
const GRAPH_SAFETY_FACTOR = WALL_SAFETY;
const GRAPH_SAFETY_MS = 60_000;

/** Solver calls one induction proof may make while it weakens its coupling (Houdini steps included). */
const INDUCTION_CHECKS = 48;

/** Largest SMT text sent to a solver. */
const SMT_TEXT_CAP = 8_000_000;

type Decided = { verdict: Verdict; settledBy: SettledBy };

const unknown = (reason: Extract<Verdict, { status: 'unknown' }>['reason'], detail?: string): Verdict => ({ status: 'unknown', reason, ...(detail ? { detail } : {}) });

/**
 * Decides one pair. A failure of the encoder on this pair is an unknown verdict with the failure named, never
 * an exception.
 */
export async function checkPair(base: PairSide, candidate: PairSide, services: CheckServices, options: CheckOptions): Promise<CheckResult> {
  const check = new PairCheck(base, candidate, services, options);
  let decided: Decided;
  let cached = false;
  try {
    ({ cached, ...decided } = await check.decide());
  } catch (error) {
    // A binaryen abort (building a run harness) leaves this thread's binaryen unusable: its owner must know.
    if (options.signal?.aborted || isBinaryenAbort(error)) throw error;
    decided = { verdict: undecided(error), settledBy: check.solverCalls > 0 ? 'z3' : 'graph' };
  }
  const { ran, inconclusive } = check.refuter.tally;
  const assumes = check.readCallees && decided.verdict.status === 'proved' ? check.assumptions() : undefined;
  return { ...decided, cached, solverMs: Math.round(check.solverMs), solverCalls: check.solverCalls, runs: { ran, inconclusive }, ...(assumes ? { assumes } : {}) };
}

/** The targets of `fn`'s calls to callees that run inline (ModuleContext.policy), sorted, once per call. */
function inlinedCalls(fn: IrFunction, ctx: ModuleContext): string[] {
  const targets: string[] = [];
  forEachNode(fn.body, (node) => {
    if (node.kind === 'call' && ctx.policy(node.target) === 'inline') targets.push(node.target);
  });
  return targets.sort();
}

class PairCheck {
  solverMs = 0;
  solverCalls = 0;
  private readonly fa: IrFunction;
  private readonly fb: IrFunction;
  private readonly timeoutMs: number;
  private readonly sizeCap: number;
  private readonly budgetMs: number;
  /** What the check's graphs may still do: its budget, less what its solver queries took (see solve). */
  private readonly work: GraphWork;
  /** The safeguard clock of all the check's graphs (GRAPH_SAFETY_FACTOR), set when the first is built. */
  private safetyDeadline: number | undefined;
  /** performance.now() past which nothing more is tried (CheckOptions.deadlineMs). */
  private readonly deadline: number;
  /** performance.now() past which no graph or solver query starts: the rest of the deadline is the runs' (RUNS_SHARE). */
  private readonly provingEnds: number;
  /** The callees the value graph runs inline on both sides, once per check: its key and its graphs use them. */
  private expandedOnce: ReadonlySet<string> | undefined;
  readonly refuter: Refuter;

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
    this.budgetMs = options.budgetMs ?? 4 * this.timeoutMs;
    this.work = new GraphWork(this.budgetMs * GRAPH_WORK_PER_MS);
    this.deadline = options.deadlineMs === undefined ? Infinity : performance.now() + options.deadlineMs;
    this.provingEnds = this.runs.after > 0 ? this.deadline - RUNS_SHARE * (options.deadlineMs ?? 0) : this.deadline;
    this.refuter = new Refuter(a, b, options.featureFlags);
  }

  private get expanded(): ReadonlySet<string> {
    return (this.expandedOnce ??= expandedCallees(this.fa, this.fb, this.a.ctx, this.b.ctx));
  }

  /** The verdict came from the key path (proof cache or checker), which may read callees (calleeAssumptions). */
  readCallees = false;

  assumptions(): CalleeAssumptions {
    return calleeAssumptions(this.fa, this.fb, this.a.ctx, this.b.ctx, this.expanded);
  }

  async decide(): Promise<Decided & { cached: boolean }> {
    const { fa, fb, a, b, services } = this;
    const at = (settledBy: SettledBy, verdict: Verdict) => ({ verdict, settledBy, cached: false });
    if (fa.imported || fb.imported) {
      const same = JSON.stringify(fa.imported) === JSON.stringify(fb.imported);
      return at('identical', same ? { status: 'proved', method: 'identical' } : unknown('unsupported', 'an import became a definition or the reverse'));
    }
    if (!sameSignature(fa, fb)) return at('identical', unknown('signature-changed'));
    if (functionHash(fa) === functionHash(fb)) return at('identical', { status: 'proved', method: 'identical' });
    if (alphaEquivalent(fa, fb)) return at('identical', { status: 'proved', method: 'alpha' });
    if (this.options.callable === false) return at('module', { status: 'proved', method: 'unreachable' });
    this.readCallees = true;
    const key = proofCacheKey(fa, fb, a.ctx, b.ctx, services.z3Version, this.expanded);
    const hit = await services.verdicts?.get(key);
    if (hit) return { verdict: hit, settledBy: 'cache', cached: true };
    // A pair that was not decided is kept under a key that also names the limits it was not decided within
    // (z3 work and what a millisecond of it is, time, unrolling, runs): a later check under the same limits (a
    // rebuild after an edit elsewhere, another island) does not wait out the same timeout again, and one with
    // more time, that may unroll or that runs more entry states asks afresh.
    const runs = this.runs;
    const undecidedKey = `${key}:undecided:${this.timeoutMs}x${Z3_WORK_PER_MS}:${this.budgetMs}:${this.options.deadlineMs ?? ''}:${this.options.unrollToRefute !== false}:${runs.before}:${runs.after}`;
    const undecided = await services.verdicts?.get(undecidedKey);
    if (undecided) {
      services.verdicts?.release?.(key);
      return { verdict: undecided, settledBy: 'cache', cached: true };
    }
    let decided: Decided;
    try {
      decided = await this.proveOrRefute();
    } catch (error) {
      services.verdicts?.release?.(key);
      services.verdicts?.release?.(undecidedKey);
      throw error;
    }
    const { verdict } = decided;
    // An unknown that did not ask the solver says nothing about the pair: another caller may ask.
    const store = this.options.solver !== false || verdict.status !== 'unknown';
    const storeAs = store && verdict.status === 'unknown' ? undecidedKey : store ? key : undefined;
    for (const claimed of [key, undecidedKey]) if (claimed !== storeAs) services.verdicts?.release?.(claimed);
    if (storeAs) await services.verdicts?.set(storeAs, verdict, () => proofEvidence(fa, fb, a.ctx, b.ctx, this.options.featureFlags, this.expanded));
    return { ...decided, cached: false };
  }

  /**
   * Runs beside the proof: when the value graph did not settle the pair, both functions are run on a few entry
   * states before any solver query (cheap next to z3, and a difference settles the pair at once), and on more
   * when no proof was found. A difference seen in a run is the verdict: it happened. The graph goes first
   * because it settles most pairs in less time than building the run harness takes (a 655-expression
   * argon2 function: graph 0.4 s, harness and 24 runs 0.8 s more).
   */
  private async proveOrRefute(): Promise<Decided> {
    let decided: Decided;
    try {
      decided = await this.prove();
    } catch (error) {
      // The encoder failed on this pair; runs may still show a difference.
      if (this.options.signal?.aborted || isBinaryenAbort(error)) throw error;
      const late = this.byRunning(this.afterRuns, 1);
      if (late) return late;
      // A graph past its budget where none is expected (assembling a query, planning an induction) is out of
      // time or terms like any other, not a fault of the encoder.
      if (error instanceof GraphBudgetExceeded) return { verdict: outOfBudget(error), settledBy: this.solverCalls > 0 ? 'z3' : 'graph' };
      throw error;
    }
    if (decided.verdict.status !== 'unknown' || this.options.solver === false) return decided;
    return this.byRunning(this.afterRuns, 1) ?? decided;
  }

  /**
   * Entry states run once no proof was found. Under a deadline, as many as its last part allows, up to
   * AFTER_RUNS_WITHIN_DEADLINE: the check ends unknown anyway, and some differences show on one state in
   * hundreds (rabin's TLSF mutants: one in ~500); without one, the fixed count keeps verdicts deterministic.
   */
  private get afterRuns(): number {
    const { after } = this.runs;
    return after > 0 && this.options.deadlineMs ? Math.max(after, AFTER_RUNS_WITHIN_DEADLINE) : after;
  }

  private get runs(): { before: number; after: number } {
    return this.options.runs ?? DEFAULT_RUNS;
  }

  private byRunning(count: number, stream: number): Decided | undefined {
    const verdict = this.refuter.byRunning(count, stream, this.deadline);
    return verdict && { verdict, settledBy: 'run' };
  }

  /** What the solver would be asked goes first to runs on a few entry states (see proveOrRefute). */
  private async beforeSolver(then: () => Promise<Decided>): Promise<Decided> {
    if (this.options.solver === false) return { verdict: unknown('timeout', 'not asked: the solver gave up on this function earlier'), settledBy: 'graph' };
    return this.byRunning(this.runs.before, 0) ?? then();
  }

  private async prove(): Promise<Decided> {
    const { fa, fb, a, b } = this;
    const size = fa.size + fb.size;
    if (size > GRAPH_SIZE_CAP) return { verdict: unknown('size-cap', `${size} expressions > ${GRAPH_SIZE_CAP}`), settledBy: 'graph' };
    // The value graph takes bodies of any size; z3 and the fallbacks only those within the size cap.
    const tooLarge = (): Decided => ({ verdict: unknown('size-cap', `${size} expressions > ${this.sizeCap} (the value graph did not meet)`), settledBy: 'graph' });
    if (this.provedLocallyByGraph()) return { verdict: { status: 'proved', method: 'local-change' }, settledBy: 'graph' };
    if (this.provedWithCallsOpaque()) return { verdict: { status: 'proved', method: 'graph' }, settledBy: 'graph' };
    let encoding: PairEncoding;
    try {
      encoding = this.graphEncoding();
    } catch (error) {
      // The graph is built synchronously on a worker that says nothing meanwhile: a bound keeps one pair from
      // holding its pipeline past the pool's silence limit (which would end the whole evaluation).
      // Out of time is a timeout (kept under the limits it ran out of, like a solver's): more time may meet.
      if (error instanceof GraphBudgetExceeded) return { verdict: outOfBudget(error), settledBy: 'graph' };
      if (!(error instanceof Unsupported)) throw error;
      if (error.reason !== 'loop' && !hasLoop(fa.body) && !hasLoop(fb.body)) return { verdict: unknown('unsupported', error.construct), settledBy: 'graph' };
      return size > this.sizeCap ? tooLarge() : this.beforeSolver(() => this.loopFallbacks());
    }
    const remaining = observables(encoding.shared, encoding.a, encoding.b);
    if (remaining.length === 0) return { verdict: { status: 'proved', method: 'graph' }, settledBy: 'graph' };
    if (size > this.sizeCap) return tooLarge();
    return this.beforeSolver(async () => {
      if (remaining.some(unmatchedLoops)) return this.loopFallbacks();
      // Quick attempts until one fails: a change that is real fails the first, and the whole query then covers
      // what is left (a refutation should not wait for every observable's cheap attempt).
      let quick = 0;
      while (quick < remaining.length && (await this.quickly(encoding, remaining[quick]!))) quick++;
      const left = remaining.slice(quick);
      if (left.length === 0) return { verdict: { status: 'proved', method: 'smt' }, settledBy: 'z3' };
      const outcome = await this.settle(encoding, left);
      if (outcome === 'loop') return this.loopFallbacks();
      return { verdict: outcome === 'equal' ? { status: 'proved', method: 'smt' } : outcome, settledBy: 'z3' };
    });
  }

  /** A value graph within this check's limits. */
  private graphBuilder(): Builder {
    return new Builder(this.graph(GRAPH_TERM_CAP));
  }

  private graphEncoding(build = this.graphBuilder(), options: { opaqueCalls?: boolean } = {}): PairEncoding {
    const { fa, fb, a, b } = this;
    return encodeFunctionPair(fa, fb, a.ctx, b.ctx, { kind: 'graph' }, build, { ...options, expanded: this.expanded });
  }

  /**
   * A first attempt that can only prove: false when it does not, and when its graph goes past its limits or
   * meets something the encoder does not support (the full encoding then says which).
   */
  private provesCheaply(attempt: (build: Builder) => boolean): boolean {
    try {
      return attempt(this.graphBuilder());
    } catch (error) {
      if (error instanceof GraphBudgetExceeded || error instanceof Unsupported) return false;
      throw error;
    }
  }

  /**
   * A cheap first attempt when a step changed a small part of the function (local-change.ts): each pair of
   * changed fragments (subtrees, or runs of statements) in the value graph from an arbitrary state, which is
   * the local-change obligation the solver discharges below, without encoding the rest of the function and
   * its loops. A one-expression change inside rabin's fn49 (three loops, 265 expressions) took 280 ms as a
   * whole function; the stack-IR writer's rewrites of argon2-browser's fn27 (1289 expressions, seven runs
   * with scratch locals) 520 ms as a whole function, 13 ms as fragments. Calls are
   * opaque here as in provedWithCallsOpaque: as-sha256's fn10 spent 146 ms running small callees inline in
   * twelve fragments that did not meet. Only a proof is taken from it: a fragment pair may differ in states
   * the function never reaches.
   */
  private provedLocallyByGraph(): boolean {
    const { fa, fb, a, b } = this;
    const pairs = localChangePairs(fa, fb);
    if (!pairs) return false;
    let changed = 0;
    for (const fragment of pairs) {
      forEachNode(fragment.base.node, () => changed++);
      forEachNode(fragment.candidate.node, () => changed++);
    }
    if (changed > (fa.size + fb.size) / LOCAL_SHARE) return false;
    return this.provesCheaply((build) =>
      pairs.every((fragment) => fragmentDifference(fa, fb, fragment, a.ctx, b.ctx, build, { opaqueCalls: true }).differs === build.false));
  }

  /**
   * A cheap first attempt when both sides call the same small callees: with every call an uninterpreted
   * transformer, calls a step left alone are one term on both sides and no callee body is encoded. Running
   * each callee inline made a step up to ten times slower (rabin's fn14, a coalesce-locals step that calls
   * three small functions: 120–190 ms, 6–17 ms without them). A transformer stands for any callee, so what is
   * proved this way holds for the real ones; anything else is left to the full encoding.
   */
  private provedWithCallsOpaque(): boolean {
    const { fa, fb, a, b } = this;
    const inlined = inlinedCalls(fa, a.ctx);
    if (inlined.length === 0 || inlined.join() !== inlinedCalls(fb, b.ctx).join()) return false;
    return this.provesCheaply((build) => {
      const encoding = this.graphEncoding(build, { opaqueCalls: true });
      return observables(encoding.shared, encoding.a, encoding.b).length === 0;
    });
  }

  /**
   * One observable the graph did not settle, on what the two sides do not share (shared terms as free
   * constants) with the cheap tactic and a short budget: true when that proves it.
   */
  private async quickly(encoding: PairEncoding, observable: Observable): Promise<boolean> {
    const small = queryFor(encoding, observable.differs, { abstractShared: observable.sides });
    if (small.smt.length > SMT_TEXT_CAP) return false;
    const quick = await this.solve(small.smt, { workMs: Math.min(QUICK_MS, this.timeoutMs), tactic: 'quick' });
    return quick.status === 'unsat';
  }

  /**
   * The observables the quick attempts left, together as one whole query with the full timeout; a model is
   * replayed in V8.
   */
  private async settle(encoding: PairEncoding, left: readonly Observable[]): Promise<'equal' | 'loop' | Verdict> {
    const differs = encoding.shared.build.or(...left.map((o) => o.differs));
    const whole = queryFor(encoding, differs);
    if (whole.smt.length > SMT_TEXT_CAP) return unknown('size-cap', `SMT text of ${whole.smt.length} characters`);
    const answer = await this.solve(whole.smt, { narrow: this.narrowing() });
    if (answer.status === 'unsat') return 'equal';
    if (answer.status === 'unknown') return unknownFromSolver(answer.reason);
    // A model of a query that reads a loop's exits as free constants describes no run.
    if (whole.opaque > 0) return 'loop';
    return this.replayModel(whole, answer.model, left.map((o) => o.name).join(', '));
  }

  /** Loops the graph could not match: a local change, induction, or a refutation by a few iterations. */
  private async loopFallbacks(): Promise<Decided> {
    const local = await this.proveLocalChange();
    if (local.status === 'proved' || (local.status === 'unknown' && local.reason !== 'loop')) return { verdict: local, settledBy: 'z3' };
    const induction = await this.proveByInduction();
    if (induction.status === 'proved' || this.options.unrollToRefute === false) return { verdict: induction, settledBy: 'z3' };
    return { verdict: (await this.refuteByUnrolling()) ?? induction, settledBy: 'z3' };
  }

  /**
   * Loops that could not be proved may still be refuted: a difference within a few iterations, replayed in
   * V8, is a real one. An unsat answer here proves nothing and is ignored.
   */
  private async refuteByUnrolling(): Promise<Verdict | undefined> {
    const { fa, fb, a, b } = this;
    let encoding: PairEncoding;
    try {
      // Unrolled nested loops (and the callees inlined into them) multiply: without a budget one blake3
      // function took 13 minutes of encoding here, for a query whose text would then have been refused.
      encoding = encodeFunctionPair(fa, fb, a.ctx, b.ctx, { kind: 'unroll', iterations: REFUTATION_UNROLL }, new Builder(this.graph(UNROLL_TERM_CAP)));
    } catch (error) {
      if (error instanceof Unsupported || error instanceof GraphBudgetExceeded) return undefined;
      throw error;
    }
    const build = encoding.shared.build;
    const differs = build.or(...observables(encoding.shared, encoding.a, encoding.b).map((o) => o.differs));
    const query = queryFor(encoding, differs, { assumptions: [build.not(encoding.a.cut), build.not(encoding.b.cut)] });
    if (query.smt.length > SMT_TEXT_CAP) return undefined;
    const answer = await this.solve(query.smt, { narrow: this.narrowing() });
    if (answer.status !== 'sat') return undefined;
    const verdict = this.replayModel(query, answer.model);
    return verdict.status === 'refuted' ? verdict : undefined;
  }

  private replayModel(query: EncodedQuery, model: Record<string, string>, observable?: string): Verdict {
    return this.refuter.replay(query, model, observable);
  }

  private async proveLocalChange(): Promise<Verdict> {
    const { fa, fb, a, b } = this;
    let queries;
    try {
      queries = localChangeQueries(fa, fb, a.ctx, b.ctx, () => this.graphBuilder());
    } catch (error) {
      if (error instanceof GraphBudgetExceeded) return outOfBudget(error);
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
    const plan = InductionPlan.create(fa, fb, a.ctx, b.ctx, () => this.graphBuilder());
    if (!plan) return unknown('loop', 'loops do not match one to one in nesting and order');
    let checks = 0;
    try {
      let coupling = plan.initialCoupling();
      // Where the pair runs as it is (no rule rewrote it), what runs saw at the headers drops at once the
      // equalities they broke (see withoutObservedBreaks).
      if (this.runs.before + this.runs.after > 0) {
        coupling = withoutObservedBreaks(coupling, observedCoupling(this.refuter.loopSamples(16, this.provingEnds), localTypes(fa), localTypes(fb)));
      }
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
      if (error instanceof GraphBudgetExceeded) return outOfBudget(error);
      if (!(error instanceof Unsupported)) throw error;
      return unknown(error.reason, error.construct);
    }
    return { status: 'proved', method: 'induction' };
  }

  /** A graph of at most `maxTerms` terms that draws on this check's work. */
  private graph(maxTerms: number): Graph {
    this.safetyDeadline ??= Math.min(performance.now() + Math.min(GRAPH_SAFETY_FACTOR * this.budgetMs, GRAPH_SAFETY_MS), this.provingEnds);
    return new Graph({ maxTerms, work: this.work, deadline: this.safetyDeadline });
  }

  /** A model with a small memory is cheaper to replay; asked for first. */
  private narrowing(): string | undefined {
    const memory = this.a.ctx.module.memory;
    if (!memory) return undefined;
    const width = memory.is64 ? 64 : 32;
    return `(assert (bvule size0 ${bvLit(BigInt(memory.initial + 1), width)}))`;
  }

  private async solve(smt: string, extra: Partial<Omit<SolverQuery, 'smt'>> = {}): Promise<SolverAnswer> {
    // One budget for both: the graphs' work counts as the milliseconds it stands for, and a query as the z3
    // work it spent (its resource count, not its time, nor the wait behind other checks' queries), so that a
    // check decides alike on a quiet machine and a busy one, on any run.
    const remaining = Math.min(this.work.left / GRAPH_WORK_PER_MS, this.provingEnds - performance.now());
    if (remaining < MIN_QUERY_MS) {
      const spent = this.provingEnds - performance.now() < MIN_QUERY_MS ? `time of ${this.options.deadlineMs} ms` : `budget of ${this.budgetMs} ms`;
      return { status: 'unknown', reason: `timeout (the check's ${spent} is spent)` };
    }
    this.solverCalls++;
    const query: SolverQuery = { smt, workMs: this.timeoutMs, ...extra };
    query.workMs = Math.min(query.workMs, Math.floor(this.work.left / GRAPH_WORK_PER_MS));
    if (this.provingEnds !== Infinity) query.withinMs = Math.round(this.provingEnds - performance.now());
    if (query.narrow === undefined) delete query.narrow;
    const t = performance.now();
    const answer = await this.services.solve(query, this.options.signal);
    this.solverMs += performance.now() - t;
    this.work.left -= (answer.workMs ?? query.workMs) * GRAPH_WORK_PER_MS;
    return answer;
  }
}

/** Loops whose terms only one side of an observable reads: the graph did not match them. */
function unmatchedLoops(observable: Observable): boolean {
  const [x, y] = observable.sides.map((roots) => new Set([...cone(roots)].filter((t) => t.op === 'loop'))) as [Set<Term>, Set<Term>];
  return x.size !== y.size || [...x].some((l) => !y.has(l));
}

/**
 * One function whose encoding failed must not sink the whole check: it is unknown, with the failure named.
 * Deeply nested code (TinyGo output) can exhaust the stack of the recursive encoder.
 */
function undecided(error: unknown): Verdict {
  if (error instanceof RangeError && /call stack/.test(error.message)) return unknown('size-cap', 'expression nesting too deep for the encoder');
  return unknown('encoder-fault', `the encoder failed: ${error instanceof Error ? error.message : String(error)}`);
}

/** A graph past its budget: out of work or time is a timeout (more may meet), too many terms a size cap. */
function outOfBudget(error: GraphBudgetExceeded): Verdict {
  return unknown(error.limit === 'terms' ? 'size-cap' : 'timeout', `the value graph: ${error.message}`);
}

function unknownFromSolver(reason: string): Verdict {
  if (reason.startsWith('solver-error')) return unknown('solver-error', reason);
  return unknown('timeout', reason);
}
