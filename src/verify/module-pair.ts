import { AtollError, ErrorCodes } from '../protocol/errors.js';
import type { FunctionVerdict, UnknownReason, Verdict, VerifyReport, VerifyTotals } from '../protocol/report.js';
import { describeBinaryenError, readModule, binaryen } from '../wasm/binaryen.js';
import { extractModule, signatureOf, type IrModule } from '../wasm/ir.js';
import { completeDataSegments } from '../wasm/data-section.js';
import { renameFunctionsAndGlobals } from '../wasm/names.js';
import { callableFunctions } from './callable.js';
import { checkPair, type CheckOptions, type CheckResult, type CheckServices, type PairSide } from './checker.js';
import { ModuleContext } from './context.js';
import { matchModules, type FunctionPairs, type ModuleMatch } from './matching.js';
import { namedFunctionCount } from './names.js';
import { checkModules, type SignatureRelation } from './module-check.js';
import { reachableFromOutside } from './module-step.js';
import { checkRewrittenPair } from './pass-step.js';
import { callersOf, describeChange, relatedPair, signatureChanges, touchedBy, translateCallsBack, type SignatureChange } from './signature-rule.js';

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

/**
 * The signature changes of a whole jump (dead-argument elimination and its kin), related by the rule the
 * strict pipeline's pass steps use (signature-rule.ts) with the same obligations: each changed function
 * pinned, against its candidate read with the old parameters; every function calling one, on either side,
 * with the base's unused arguments neutralized and the candidate's calls translated back.
 *
 * WHY THAT IS SOUND ACROSS A WHOLE JUMP, where the callers changed too. The rule's facts (the constant every
 * call passes, a result every call drops) are read from the base's calls alone, so they hold of the base as it
 * runs, provided nothing but its own calls reaches the function: not an import, export, table slot or the
 * start in either module, and no `ref.func` anywhere (such a change keeps no rule; the module check calls it
 * a difference, since the host can see it). The candidate's calls need no fact: translated back, they pass
 * the pins (zero for an unused parameter) by construction. A touched pair is checked as f'[P] against f[base],
 * P (`context`) being the base module plus what only the candidate has (its added functions, calls translated
 * back, and globals): every callee both modules have with a signature they share or the rule relates is read
 * as the base's on both sides, as in a pass step.
 * By induction on call depth: for every paired h and every argument list x the base can pass (pins hold), h'
 * run with x's kept parameters behaves as h run with x. At depth n+1 each callee h' really calls behaves, by
 * hypothesis, as the base's callee P holds, given arguments with the pins (what translateCallsBack passes);
 * an added callee is in P as it is. So the check says h' behaves as pinned(h), which is h on x; and the base's
 * unused arguments were neutralized soundly because the callee's own check showed that it ignores them.
 * Pairs outside the rule keep their own contexts under the same hypothesis. Like every opaque call, the
 * relation makes a function's proof rest on its callees' and callers' proofs: the module check accepts a
 * signature change only once the function and all its callers are proved.
 */
interface SignatureRule {
  changes: ReadonlyMap<string, SignatureChange>;
  /** Base names whose pair is checked through the rule: the changed functions and their callers on either side. */
  touched: ReadonlySet<string>;
  /** The candidate side's context of a touched pair (see above); undefined when no change is related. */
  context: ModuleContext | undefined;
  /** Per paired function whose signature changed: how, for the module check. */
  relations: Map<string, SignatureRelation>;
}

/** `pairs` name a function by one name on both sides here (the candidate carries the base's names). */
function signatureRule(base: IrModule, candidate: IrModule, pairs: FunctionPairs): SignatureRule {
  const baseFns = new Map(base.functions.map((f) => [f.name, f]));
  const candidateFns = new Map(candidate.functions.map((f) => [f.name, f]));
  const changed = [...pairs].filter(([a, b]) => a === b && signatureOf(baseFns.get(a)!) !== signatureOf(candidateFns.get(b)!)).map(([a]) => a);
  const relations = new Map<string, SignatureRelation>();
  if (changed.length === 0) return { changes: new Map(), touched: new Set(), context: undefined, relations };
  const outside = [reachableFromOutside(base), reachableFromOutside(candidate)];
  const observable = (name: string) => Boolean(baseFns.get(name)!.imported || candidateFns.get(name)!.imported) || outside.some((reached) => reached(name));
  // A change the host can see stays out of the rule altogether: no pin may rest on calls through it.
  const { changes, unexplained } = signatureChanges(base, candidate, changed.filter((name) => !observable(name)));
  const callers = callersOf(changes, [...base.functions, ...candidate.functions]);
  for (const name of changed) {
    const change = changes.get(name);
    if (change) relations.set(name, { rule: describeChange(change), functions: [...new Set([name, ...[...callers.get(name)!].filter((caller) => pairs.has(caller))])] });
    else if (observable(name)) relations.set(name, { unrelated: 'the host or a table can call it (or it is an import), so its callers are not all in the module', observable: true });
    else relations.set(name, { unrelated: `no rule relates the two: ${unexplained.get(name)}`, observable: false });
  }
  const touched = touchedBy(callers);
  // A function whose signature changed with no rule relating it is the candidate's in P too: the candidate's
  // calls pass its new arguments, which the base's version would read as other parameters and locals.
  const unrelated = new Set(changed.filter((name) => !changes.has(name)));
  const fromCandidate = (name: string) => !baseFns.has(name) || unrelated.has(name);
  const globals = new Set(base.globals.map((g) => g.name));
  const context = changes.size === 0 ? undefined : new ModuleContext({
    ...base,
    functions: [
      ...base.functions.filter((f) => !fromCandidate(f.name)),
      ...candidate.functions.filter((f) => fromCandidate(f.name)).map((f) => translateCallsBack(f, changes)),
    ],
    globals: [...base.globals, ...candidate.globals.filter((g) => !globals.has(g.name))],
  });
  return { changes, touched, context, relations };
}

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
  const rule = signatureRule(irA, irB, pairs);
  /** A pair the signature rule touches, checked as it relates the two (see signatureRule). */
  const checkRelated = async (nameA: string, nameB: string, context: ModuleContext, options: CheckOptions): Promise<CheckResult> => {
    const related = relatedPair(sides.base.ctx.functions.get(nameA)!, sides.candidate.ctx.functions.get(nameB)!, rule.changes);
    const checked = await checkRewrittenPair({ ...side('base', nameA), fn: related.base }, { ...side('candidate', nameB), fn: related.candidate, ctx: context }, services, options, 'signature-changed');
    // Bodies identical once read with the old signatures are equal up to renaming (the parameters), and the
    // function did change: it counts as changed, which `identical` does not.
    return checked.verdict.status === 'proved' && checked.verdict.method === 'identical' ? { ...checked, verdict: { status: 'proved', method: 'alpha' } } : checked;
  };
  const check = async (nameA: string, nameB: string, options: CheckOptions): Promise<CheckResult> => {
    const checked = rule.context && rule.touched.has(nameA)
      ? await checkRelated(nameA, nameB, rule.context, options)
      : await checkPair(side('base', nameA), side('candidate', nameB), services, options);
    const relation = rule.relations.get(nameA);
    if (relation && 'unrelated' in relation && checked.verdict.status === 'unknown' && checked.verdict.reason === 'signature-changed') {
      return { ...checked, verdict: unknown('signature-changed', `${nameA} changed its signature: ${relation.unrelated}`) };
    }
    return checked;
  };
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
      const result = await check(nameA, nameB, reachable ? checkOptions : { ...checkOptions, callable: false });
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
  const module = checkModules(irA, irB, pairs, (name) => provedNames.has(name) || !work.some(([n]) => n === name), rule.relations);
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

