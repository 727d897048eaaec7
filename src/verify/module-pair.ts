import { AtollError, ErrorCodes } from '../protocol/errors.js';
import type { FunctionVerdict, UnknownReason, Verdict, VerifyReport, VerifyTotals } from '../protocol/report.js';
import { describeBinaryenError, readModule, binaryen } from '../wasm/binaryen.js';
import { extractModule, type IrModule } from '../wasm/ir.js';
import { completeDataSegments } from '../wasm/data-section.js';
import { renameFunctionsAndGlobals } from '../wasm/names.js';
import { callableFunctions } from './callable.js';
import { checkPair, type CheckOptions, type CheckServices, type PairSide } from './checker.js';
import { ModuleContext } from './context.js';
import { matchModules, type ModuleMatch } from './matching.js';
import { namedFunctionCount } from './names.js';
import { checkModules } from './module-check.js';

/**
 * `atoll verify` of a whole module pair: read both, pair their functions (by name, or by what the modules
 * declare and then by checked guesses), check every pair (checker.ts) and the module structure
 * (module-check.ts). Runs wherever binaryen is loaded and z3 is reachable through `services`: in-process
 * (Verifier.verifyModules) or on a binaryen worker (the engine's path, see workers/verify-task.ts).
 */

export interface ModulePairOptions {
  featureFlags: number;
  /** Per solver query (the checker's default when absent). */
  timeoutMs?: number;
  /** Wall-clock time of each function's check, ms (CheckOptions.deadlineMs); none when absent. */
  functionTimeMs?: number;
  /** Largest pair that is encoded (the checker's default when absent). */
  sizeCap?: number;
  signal?: AbortSignal;
  /** Only these functions (base names). */
  only?: readonly string[];
  /** See VerifyModulesOptions.sameLineage. */
  sameLineage?: boolean;
  runs?: CheckOptions['runs'];
  /** Pair checks in flight at once (their solver queries overlap); one with functionTimeMs. */
  concurrency: number;
  /** Reads a module into IR; default binaryen on this thread. */
  readIr?: (bytes: Uint8Array, features: number) => Promise<IrModule>;
  /**
   * Verdicts already settled, by base name (a check resumed after its worker died): reported as they are,
   * not checked again.
   */
  settled?: ReadonlyMap<string, FunctionVerdict>;
  /** The base names about to be checked, once pairing is done. */
  onPlanned?: (names: string[]) => void;
  /** A pair check starts (base name). */
  onStarted?: (name: string) => void;
  /** A pair check ended (or a settled verdict was taken), with how many of how many are done. */
  onChecked?: (verdict: FunctionVerdict, done: number, total: number) => void;
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

/** Every pair of `base` and `candidate` checked, and the module check: the report of `atoll verify`. */
export async function verifyModulePair(base: Uint8Array, candidate: Uint8Array, services: CheckServices, opts: ModulePairOptions): Promise<VerifyReport> {
  const started = performance.now();
  const read = opts.readIr ?? ((bytes: Uint8Array, features: number) => Promise.resolve(readIr(bytes, features)));
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
  const checkOptions: CheckOptions = {
    featureFlags: opts.featureFlags,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.functionTimeMs ? { deadlineMs: opts.functionTimeMs } : {}),
    ...(opts.sizeCap ? { sizeCap: opts.sizeCap } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.runs ? { runs: opts.runs } : {}),
  };
  const work = [...pairs].filter(([name]) => !opts.only || opts.only.includes(name));
  // What the candidate can call at all; a change to anything else is invisible (undefined: undecided).
  const callable = callableFunctions(irB);
  const results: FunctionVerdict[] = new Array(work.length);
  let done = 0;
  let cachedMs = 0;
  let solverMs = 0;
  let next = 0;
  opts.onPlanned?.(work.map(([name]) => name));
  const worker = async () => {
    while (next < work.length) {
      const i = next++;
      const [nameA, nameB] = work[i]!;
      opts.signal?.throwIfAborted();
      const settled = opts.settled?.get(nameA);
      if (settled) {
        results[i] = settled;
        opts.onChecked?.(settled, ++done, work.length);
        continue;
      }
      opts.onStarted?.(nameA);
      const t = performance.now();
      const reachable = callable?.has(nameB) ?? true;
      const result = await checkPair(side('base', nameA), side('candidate', nameB), services, reachable ? checkOptions : { ...checkOptions, callable: false });
      if (result.verdict.status === 'refuted' && match.guessed.has(nameA)) result.verdict = doubtfulPair(result.verdict);
      const ms = performance.now() - t;
      if (result.cached) cachedMs += ms;
      solverMs += result.solverMs;
      results[i] = { name: nameA, verdict: result.verdict, settledBy: result.settledBy, cached: result.cached, ms: Math.round(ms * 10) / 10 };
      opts.onChecked?.(results[i]!, ++done, work.length);
    }
  };
  // A check's time (functionTimeMs) is wall-clock, and checks in flight share this thread for their value
  // graphs and runs: two at once split each one's time (oniguruma through the engine, four in flight: 83 of
  // 131 proved, median 1 s; two: 93; one at a time: 105, median 42 ms, the whole check 49 s instead of 34 s).
  const concurrency = opts.functionTimeMs ? 1 : Math.max(1, opts.concurrency);
  await Promise.all(Array.from({ length: concurrency }, worker));
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

