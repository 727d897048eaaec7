import { calleesOf, signatureOf, type IrFunction, type IrGlobal, type IrModule } from '../wasm/ir.js';
import { ModuleContext } from './context.js';
import { byName, references, type StepFacts } from './pass-step.js';

/**
 * When an earlier strict output may be patched instead of rebuilt (watch mode's quick answer to an edit).
 *
 * Given the previous input `In`, its proved output `Out` (a chain of kept steps) and a new input `In'` that
 * differs from `In` only in the bodies of the functions `D`, the patched module is `Out` with each f in D
 * given its new body, which is then optimized in that module by proved steps of its own. It is equivalent
 * to `In'` when the old chain still holds with every f in D frozen at its new body: replay the chain on `In'`
 * without touching D, and each kept step of another function is the same step, proved as before, provided
 * nothing it assumed is changed by the new bodies. What a step assumes beyond its two bodies is recorded
 * with it (StepFacts), and these conditions keep every assumption true:
 * - the module is the same but for bodies of D (the caller checks this), and each f in D that `Out` holds has
 *   its signature there (no step changed it with its callers), was not merged into a duplicate, and is the
 *   input's f (not a function a pass made that took the name);
 * - no step of a function outside D read the body of a function in D, directly or through a function whose
 *   steps did (a removed duplicate's twin counts as reading it): such functions join D, rebuilt from their
 *   input bodies (those the output no longer holds need nothing, since whoever read them joins too);
 * - a function of D taken as pure is still pure; if a step took some callee to keep the memory's size, every
 *   function of D still keeps it;
 * - a new body reads no global whose writes a step left out (nothing read it then) and writes none a step read
 *   as its initializer (nothing wrote it then), refers to no global `Out` lost or made immutable, to
 *   functions with the signatures they have in `Out`, and holds nothing the IR does not model; a function it
 *   calls that `Out` lost (inlined everywhere, then removed) comes back with its input body, frozen like D;
 * - if a step was proved because nothing could call its function (callable.ts), no new body calls it, calls
 *   through a table or takes a function's reference (only they are new code, so nothing else can reach it).
 * Each step of the new bodies is then checked in the patched module as any pipeline step is, so the patched
 * module is equivalent to `Out` with the new bodies, hence to `In'`.
 */

/** What the kept steps of a chain assumed, gathered over all of them (see StepFacts). */
export interface ChainFacts {
  /** Function → the functions one of whose kept steps read its body (or that stand for it, as its twin). */
  readers: Record<string, string[]>;
  /** Functions removed as duplicates of a twin (references to them now go to the twin). */
  merged: string[];
  /** Functions a pass made: a name here is not the input's function of that name, even if it had one. */
  made: string[];
  pure: string[];
  sizeKeepers: string[];
  constantGlobals: string[];
  unreadGlobals: string[];
  /** Functions with a step proved because nothing could call them (StepFacts.uncallable). */
  uncallable: string[];
}

/** The kept steps of a chain, as an evaluation of a pipeline lists them. */
export interface ChainSteps {
  proved: ReadonlyArray<{ function: string; facts?: StepFacts }>;
  twins: ReadonlyArray<readonly [string, string]>;
  made: readonly string[];
}

export function chainFacts(evaluations: readonly ChainSteps[]): ChainFacts {
  const readers = new Map<string, Set<string>>();
  const read = (body: string, by: string) => {
    if (body === by) return;
    let set = readers.get(body);
    if (!set) readers.set(body, (set = new Set()));
    set.add(by);
  };
  const merged = new Set<string>();
  const made = new Set<string>();
  const pure = new Set<string>();
  const sizeKeepers = new Set<string>();
  const constantGlobals = new Set<string>();
  const unreadGlobals = new Set<string>();
  const uncallable = new Set<string>();
  for (const evaluation of evaluations) {
    for (const step of evaluation.proved) {
      const facts = step.facts;
      if (!facts) continue;
      for (const name of facts.reads ?? []) read(name, step.function);
      for (const name of facts.pure ?? []) pure.add(name);
      for (const name of facts.sizeKeepers ?? []) sizeKeepers.add(name);
      for (const name of facts.constantGlobals ?? []) constantGlobals.add(name);
      for (const name of facts.unreadGlobals ?? []) unreadGlobals.add(name);
      if (facts.uncallable) uncallable.add(step.function);
    }
    for (const name of evaluation.made) made.add(name);
    for (const [removed, twin] of evaluation.twins) {
      read(removed, twin);
      merged.add(removed);
    }
  }
  const sorted = (names: Set<string>) => [...names].sort();
  return {
    readers: Object.fromEntries([...readers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, by]) => [name, sorted(by)])),
    merged: sorted(merged),
    made: sorted(made),
    pure: sorted(pure),
    sizeKeepers: sorted(sizeKeepers),
    constantGlobals: sorted(constantGlobals),
    unreadGlobals: sorted(unreadGlobals),
    uncallable: sorted(uncallable),
  };
}

/**
 * The facts of a patched output's chain: the previous chain's (it still holds, with the rebuilt functions
 * frozen at their new bodies) and the rebuilt functions' new steps'. Facts of the old steps of rebuilt
 * functions stay too: more facts only make the next patch more careful.
 */
export function mergeChainFacts(a: ChainFacts, b: ChainFacts): ChainFacts {
  const union = (x: readonly string[], y: readonly string[]) => [...new Set([...x, ...y])].sort();
  const readers: Record<string, string[]> = { ...a.readers };
  for (const [name, by] of Object.entries(b.readers)) readers[name] = union(readers[name] ?? [], by);
  return {
    readers: Object.fromEntries(Object.entries(readers).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))),
    merged: union(a.merged, b.merged),
    made: union(a.made, b.made),
    pure: union(a.pure, b.pure),
    sizeKeepers: union(a.sizeKeepers, b.sizeKeepers),
    constantGlobals: union(a.constantGlobals, b.constantGlobals),
    unreadGlobals: union(a.unreadGlobals, b.unreadGlobals),
    uncallable: union(a.uncallable, b.uncallable),
  };
}

/** The functions to rebuild in the previous output, or why the previous output cannot be patched. */
export type IncrementalPlan = { rebuild: string[] } | { declined: string };

/** Functions (bodies null) and globals: what a body may refer to. */
export type ModuleOutline = Pick<IrModule, 'functions' | 'globals'>;

/**
 * What planIncremental reads. The caller has checked that the new input is the previous one but for the
 * bodies of `changed` (compared as bytes, so every other section is the same).
 */
export interface IncrementalView {
  changed: readonly string[];
  /** The new input: its outline, one function's IR, and the whole module (only for facts about callees). */
  input: { outline: ModuleOutline; fn(name: string): IrFunction; whole(): IrModule };
  previousOutput: ModuleOutline;
}

export function planIncremental(view: IncrementalView, facts: ChainFacts): IncrementalPlan {
  const declined = (why: string): IncrementalPlan => ({ declined: why });
  if (view.changed.length === 0) return declined('no function body changed');
  const out = byName(view.previousOutput.functions);
  const inFunctions = byName(view.input.outline.functions);
  // Frozen at their input bodies: the changed functions, every function whose proofs rest on the body of one
  // that is (transitively), and every function a body to be written calls that the output no longer holds
  // (inlined everywhere, then removed: it comes back). Of the others the output no longer holds nothing is needed.
  const frozen = new Set<string>();
  const calledBack = new Set<string>();
  const written = new Map<string, IrFunction>();
  const work: string[] = [];
  const freeze = (name: string) => {
    if (frozen.has(name)) return;
    frozen.add(name);
    work.push(name);
  };
  for (const name of view.changed) freeze(name);
  while (work.length > 0) {
    const name = work.pop()!;
    for (const reader of facts.readers[name] ?? []) freeze(reader);
    if (written.has(name) || !(out.has(name) || calledBack.has(name))) continue;
    const outline = inFunctions.get(name);
    if (!outline || facts.made.includes(name)) return declined(`${name}, which a pass made, rests on a changed body`);
    if (outline.imported) return declined(`${name} is an import the previous output no longer has`);
    const fn = view.input.fn(name);
    written.set(name, fn);
    for (const callee of calleesOf(fn.body)) {
      if (out.has(callee) || calledBack.has(callee)) continue;
      calledBack.add(callee);
      frozen.add(callee);
      work.push(callee);
    }
  }
  const merged = [...frozen].filter((name) => facts.merged.includes(name)).sort();
  if (merged.length > 0) return declined(`${list(merged)} was merged into a duplicate, whose references would keep the old body`);
  const rebuilt = [...written.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (rebuilt.length === 0) return declined('no changed function is in the previous output or called from it');
  for (const fn of rebuilt) {
    const there = out.get(fn.name);
    if (there && (there.imported || signatureOf(there) !== signatureOf(fn))) return declined(`${fn.name} changed its signature with its callers in the previous output`);
  }

  const pure = new Set(facts.pure);
  const takenPure = rebuilt.filter((fn) => pure.has(fn.name));
  if (takenPure.length > 0 || facts.sizeKeepers.length > 0) {
    const ctx = new ModuleContext(view.input.whole());
    const notPure = takenPure.filter((fn) => !ctx.isPure(fn.name));
    if (notPure.length > 0) return declined(`${list(notPure.map((fn) => fn.name))} was taken as pure and no longer is`);
    const grows = facts.sizeKeepers.length > 0 ? rebuilt.filter((fn) => !ctx.keepsMemorySize(fn.name)) : [];
    if (grows.length > 0) return declined(`${list(grows.map((fn) => fn.name))} may change the memory's size, which a proof took a call not to`);
  }

  const refsOf = new Map(rebuilt.map((fn) => [fn, references([fn])]));
  // A step proved because nothing could call its function holds while nothing can: the new bodies are the
  // only new code, so they must not call it, call through a table or take a function's reference.
  const uncallable = new Set(facts.uncallable);
  if (uncallable.size > 0) {
    const reaching = rebuilt.filter((fn) => {
      const refs = refsOf.get(fn)!;
      return refs.indirect || refs.functionRefs || [...refs.calls].some((callee) => uncallable.has(callee));
    });
    if (reaching.length > 0) return declined(`${list(reaching.map((fn) => fn.name))} may call ${list(facts.uncallable)}, whose steps were proved because nothing could call it`);
  }

  const where = {
    out, outGlobals: byName(view.previousOutput.globals), inFunctions, inGlobals: byName(view.input.outline.globals),
    constant: new Set(facts.constantGlobals), unread: new Set(facts.unreadGlobals),
  };
  for (const fn of rebuilt) {
    const problem = referenceProblem(fn, refsOf.get(fn)!, where);
    if (problem) return declined(problem);
  }
  return { rebuild: rebuilt.map((fn) => fn.name) };
}

function referenceProblem(
  fn: IrFunction,
  refs: ReturnType<typeof references>,
  where: {
    out: Map<string, IrFunction>; outGlobals: Map<string, IrGlobal>;
    inFunctions: Map<string, IrFunction>; inGlobals: Map<string, IrGlobal>;
    constant: ReadonlySet<string>; unread: ReadonlySet<string>;
  },
): string | undefined {
  if (refs.opaque) return `${fn.name} holds an expression the checker does not model`;
  for (const callee of refs.calls) {
    const there = where.out.get(callee);
    if (there && signatureOf(there) !== signatureOf(where.inFunctions.get(callee)!)) return `${fn.name} calls ${callee}, whose signature the previous output changed`;
  }
  for (const name of [...refs.globalsRead, ...refs.globalsWritten]) {
    const there = where.outGlobals.get(name);
    const here = where.inGlobals.get(name);
    if (!there || !here || there.type !== here.type) return `${fn.name} uses global ${name}, which the previous output lost or changed`;
  }
  for (const name of refs.globalsWritten) {
    if (where.constant.has(name) || !where.outGlobals.get(name)!.mutable) return `${fn.name} writes global ${name}, which a proof read as its initial value`;
  }
  for (const name of refs.globalsRead) {
    if (where.unread.has(name)) return `${fn.name} reads global ${name}, whose writes a proof left out`;
  }
  return undefined;
}

function list(names: readonly string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}
