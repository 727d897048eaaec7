import type { IrFunction } from '../../wasm/ir.js';
import { observableGlobals } from '../callable.js';
import type { ModuleContext } from '../context.js';
import { expandedCallees } from '../expand-calls.js';
import { Builder } from '../graph/build.js';
import { emitAssertions, type Probe } from '../graph/emit.js';
import type { BV, Bool, Mem, Term, World } from '../graph/terms.js';
import { bvSort } from '../graph/terms.js';
import type { BaseLoop } from './loops.js';
import { MemoryModel } from './memory.js';
import { type LoopMode, type SideResult, SideEncoder, sameTraps, widthOf } from './side.js';
import type { Env } from './state.js';

/**
 * Query assembly: the entry state both sides share, a whole function pair encoded into one graph, the
 * observables of design §2 (trap, normal end, results, globals, memory, its size, the world; the state at a
 * trap) each as the term "the two sides differ in this", and SMT text for those that did not fold to false.
 */

/** The shared entry state and what both sides' encodings need to agree on. */
export interface SharedInputs {
  build: Builder;
  /** Uninterpreted functions the encoding used (float operators, opaque calls, memory.grow). */
  approximations: Set<string>;
  memory: MemoryModel | null;
  /** Mutable globals of the base in a fixed order (names). */
  globals: string[];
  globalWidths: number[];
  entry: Env;
  /** What every entry state satisfies (the memory size within its limits). */
  preconditions: Bool[];
  /** The base's loops, for the candidate's to be matched against (graph mode). */
  baseLoops: BaseLoop[];
  /** Memo of the loops whose parameters a term reads (loops.ts). */
  freeLoops: Map<Term, ReadonlySet<number>>;
  /** Globals nothing can see (callable.ts, observableGlobals): not observables. Set for whole pairs only. */
  unobserved?: ReadonlySet<string>;
  /** Callees one side inlined, run inline on both sides (graph mode; expand-calls.ts, expandedCallees). */
  expanded?: ReadonlySet<string>;
  /** Every call is an uninterpreted transformer, even to a callee that would run inline (calls.ts). */
  readonly opaqueCalls: boolean;
}

export const ENTRY_MEMORY = 'mem0';
export const ENTRY_SIZE = 'size0';
export const entryGlobal = (i: number) => `g${i}`;
export const paramName = (i: number) => `p${i}`;

/** The shared entry state: declared once, read by both sides under the same names. `opaqueCalls`: see SharedInputs. */
export function sharedInputs(base: ModuleContext, build = new Builder(), { opaqueCalls = false } = {}): SharedInputs {
  const memory = base.module.memory ? new MemoryModel(base.module.memory) : null;
  const mutable = base.module.globals.filter((g) => g.mutable);
  const globalWidths = mutable.map((g) => widthOf(g.type));
  const size = memory ? build.variable(ENTRY_SIZE, bvSort(memory.addrWidth)) as BV : null;
  const entry: Env = {
    mem: memory ? build.variable(ENTRY_MEMORY, memory.sort) as Mem : null,
    size,
    world: build.variable('world0', 'world') as World,
    globals: globalWidths.map((w, i) => build.variable(entryGlobal(i), bvSort(w)) as BV),
  };
  return {
    build, memory, globals: mutable.map((g) => g.name), globalWidths, entry,
    preconditions: memory && size ? [memory.sizePrecondition(build, size)] : [],
    approximations: new Set(), baseLoops: [], freeLoops: new Map(), opaqueCalls,
  };
}

/** One observable of design §2 and the term "the two sides differ in it" (false: equal by the graph). */
export interface Observable {
  name: string;
  differs: Bool;
  /** Terms of either side the difference compares (for choosing what both share). */
  sides: [Term[], Term[]];
}

/** Per component of the state, the term "x and y differ in it". */
export function envDiffers(shared: SharedInputs, x: Env, y: Env): Bool[] {
  const b = shared.build;
  const parts = [b.ne(x.world, y.world), ...x.globals.map((g, i) => b.ne(g, y.globals[i]!))];
  if (x.mem && y.mem) parts.push(b.ne(x.mem, y.mem), b.ne(x.size!, y.size!));
  return parts;
}

function envObservables(b: Builder, shared: SharedInputs, when: Bool, x: Env, y: Env, prefix: string): Observable[] {
  const out: Observable[] = [];
  const add = (name: string, u: Term, v: Term) => out.push({ name: `${prefix}${name}`, differs: b.and(when, b.ne(u, v)), sides: [[when, u], [v]] });
  if (x.mem && y.mem) add('memory', x.mem, y.mem);
  if (x.size && y.size) add('memory size', x.size, y.size);
  shared.globals.forEach((name, i) => { if (!shared.unobserved?.has(name)) add(`global ${name}`, x.globals[i]!, y.globals[i]!); });
  add('world', x.world, y.world);
  return out;
}

/**
 * What the two sides may differ in: whether they trap, whether they end normally, and then under the base's
 * conditions the results and state at the end, and the state at the trap. Equivalent (design §2) exactly
 * when no `differs` can hold; `extra` are further pairs that must agree at a normal end (a fragment's locals).
 */
export function observables(shared: SharedInputs, a: SideResult, b: SideResult, extra: Array<[Term, Term]> = []): Observable[] {
  const build = shared.build;
  const out: Observable[] = [
    { name: 'trap', differs: build.ne(a.trapped, b.trapped), sides: [[a.trapped], [b.trapped]] },
    { name: 'normal end', differs: build.ne(a.normal.guard, b.normal.guard), sides: [[a.normal.guard], [b.normal.guard]] },
  ];
  const ends = a.normal.guard;
  a.normal.values.forEach((v, i) => {
    out.push({ name: `result ${i}`, differs: build.and(ends, build.ne(v, b.normal.values[i]!)), sides: [[ends, v], [b.normal.values[i]!]] });
  });
  extra.forEach(([x, y], i) => out.push({ name: `local ${i}`, differs: build.and(ends, build.ne(x, y)), sides: [[ends, x], [y]] }));
  out.push(...envObservables(build, shared, ends, a.normal.snap.env, b.normal.snap.env, ''));
  if (!sameTraps(a.traps, b.traps)) out.push(...envObservables(build, shared, a.trapped, a.trapEnv, b.trapEnv, 'at the trap: '));
  return out.filter((o) => o.differs !== build.false);
}

export interface PairEncoding {
  shared: SharedInputs;
  params: BV[];
  paramTypes: string[];
  a: SideResult;
  b: SideResult;
}

/**
 * A whole function pair: parameters and entry state shared, locals zero-initialised. `opaqueCalls`: no callee
 * runs inline (SharedInputs.opaqueCalls). `expanded`: the pair's expandedCallees when the caller has them
 * already (the checker computes them once for the pair's proof key and every graph it builds).
 */
export function encodeFunctionPair(
  base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext, mode: LoopMode = { kind: 'graph' }, build = new Builder(),
  options: { opaqueCalls?: boolean; expanded?: ReadonlySet<string> } = {},
): PairEncoding {
  const shared = sharedInputs(baseCtx, build, options);
  const observable = observableGlobals(baseCtx.module, candidateCtx.module);
  shared.unobserved = new Set(shared.globals.filter((g) => !observable.has(g)));
  if (mode.kind === 'graph') shared.expanded = options.expanded ?? expandedCallees(base, candidate, baseCtx, candidateCtx);
  const params = base.params.map((t, i) => build.variable(paramName(i), bvSort(widthOf(t))) as BV);
  const side = (fn: IrFunction, ctx: ModuleContext, which: 'a' | 'b') => {
    const widths = [...fn.params, ...fn.vars].map(widthOf);
    const locals = [...params, ...fn.vars.map((t) => build.constant(0n, widthOf(t)))];
    return new SideEncoder(which, ctx, shared, locals, widths, mode).runBody(fn);
  };
  const a = side(base, baseCtx, 'a');
  const b = side(candidate, candidateCtx, 'b');
  return { shared, params, paramTypes: base.params, a, b };
}

/** What a model must be read for to replay it: the inputs by name, and the memory bytes probed. */
export interface QueryInputs {
  params: string[];
  paramTypes: string[];
  /** Mutable globals of the base (names), and the names of their entry values in the query. */
  globals: string[];
  entryGlobals: string[];
  memory: boolean;
  probes: Probe[];
  approximations: ReadonlySet<string>;
}

export interface EncodedQuery {
  smt: string;
  inputs: QueryInputs;
  /** Terms stood for by free constants: loop exits, abstracted shared terms. A model then need not be real. */
  opaque: number;
  /** Uninterpreted functions the query uses. */
  functions: ReadonlySet<string>;
}

/** The terms reachable from `roots`. */
export function cone(roots: readonly Term[]): Set<Term> {
  const seen = new Set<Term>();
  const stack = [...roots];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push(...t.args);
  }
  return seen;
}

/**
 * The SMT query "some entry state makes `differs` true", under the preconditions and `assumptions`. With
 * `abstractShared`, what the two sides of the observable share is a free constant instead of its definition
 * (small, and sound for proving; a model of it may not be real, so only unsat is taken from it).
 */
export function queryFor(
  encoding: { shared: SharedInputs; params: BV[]; paramTypes: string[] }, differs: Bool, options: { assumptions?: Bool[]; abstractShared?: Observable['sides'] } = {},
): EncodedQuery {
  const { shared } = encoding;
  let abstract: Set<Term> | undefined;
  if (options.abstractShared) {
    const [x, y] = options.abstractShared.map(cone) as [Set<Term>, Set<Term>];
    abstract = new Set([...x].filter((t) => y.has(t) && t.args.length > 0));
  }
  const assertions = [...shared.preconditions, ...(options.assumptions ?? []), differs];
  const emitted = emitAssertions(assertions, {
    ...(abstract ? { abstract } : {}),
    ...(shared.entry.mem ? { entryMemory: shared.entry.mem } : {}),
  });
  return {
    smt: `${emitted.text}(check-sat)\n`,
    opaque: emitted.opaque,
    functions: emitted.functions,
    inputs: {
      params: encoding.params.map((p) => p.data as string),
      paramTypes: encoding.paramTypes,
      globals: shared.globals,
      entryGlobals: shared.entry.globals.map((g) => g.data as string),
      memory: shared.memory !== null,
      probes: emitted.probes,
      approximations: shared.approximations,
    },
  };
}
