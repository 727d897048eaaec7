import type { Builder } from '../graph/build.js';
import type { BV, Bool, Mem, Term, World } from '../graph/terms.js';

/**
 * The state a side threads through its code, and how states meet where control flow joins: the exits of a
 * block, the arms of an `if`, the returns of a function, the traps. A join is an if-then-else per component
 * over the guards of the entries, written relative to what the entries have in common (the path that led to
 * the join), so that code which reaches a join by different routes builds the same terms.
 */

/** The state outside the function's locals: memory and its size in pages, mutable globals, the world. */
export interface Env {
  mem: Mem | null;
  size: BV | null;
  world: World;
  globals: BV[];
}

export interface Snapshot {
  env: Env;
  locals: BV[];
}

/** A way out of a region: under `guard`, in state `snap`, carrying `values` (a block's result). */
export interface Exit {
  guard: Bool;
  snap: Snapshot;
  values: BV[];
}

export const cloneEnv = (env: Env): Env => ({ ...env, globals: [...env.globals] });

const conjuncts = (g: Bool): readonly Term[] => (g.op === 'band' ? g.args : [g]);

/**
 * The guards of `entries` with their common conjuncts removed: within the join (reached only under one of
 * them) each is equivalent to its own rest.
 */
function relativeGuards(b: Builder, entries: readonly Exit[]): Bool[] {
  if (entries.length < 2) return entries.map((e) => e.guard);
  const sets = entries.map((e) => new Set(conjuncts(e.guard)));
  const common = [...sets[0]!].filter((c) => sets.every((s) => s.has(c)));
  if (common.length === 0) return entries.map((e) => e.guard);
  return sets.map((s) => b.and(...([...s].filter((c) => !common.includes(c)) as Bool[])));
}

/**
 * The value of `pick` at the join: the first entry whose guard holds gives it, the last one otherwise. The
 * entries' guards are disjoint and one of them holds within the join, so any order gives the same value
 * there, and entries that give one value can be tested as one (the disjunction of their guards). Values are
 * grouped so, and the groups ordered canonically (simplest guard first, the most complex one, never tested,
 * last), so that code reaching a join by the same routes in another order builds the same terms: `if (x) A
 * else B` with a load in B, and `if (!x) B else A`, both test `x`, not `!x ∧ the load is in bounds`; and the
 * memory at a trap is one term whichever of two loads a pass moved past the other.
 */
function chain<T extends Term>(b: Builder, guards: readonly Bool[], entries: readonly Exit[], pick: (e: Exit) => T): T {
  b.graph.charge(entries.length);
  const groups = new Map<T, Bool[]>();
  entries.forEach((e, i) => {
    const value = pick(e);
    const group = groups.get(value);
    if (group) group.push(guards[i]!);
    else groups.set(value, [guards[i]!]);
  });
  const values = [...groups.keys()];
  const grouped = values.map((v) => b.or(...groups.get(v)!));
  const order = canonicalOrder(grouped);
  let acc = values[order[order.length - 1]!]!;
  for (let k = order.length - 2; k >= 0; k--) acc = b.ite(grouped[order[k]!]!, values[order[k]!]!, acc) as T;
  return acc;
}

/** Literals in a guard: the measure of how complex it is to test. */
const literals = (g: Bool): number => (g.op === 'bor' ? g.args.reduce((n, d) => n + literals(d as Bool), 0) : conjuncts(g).length);

function canonicalOrder(guards: readonly Bool[]): number[] {
  return guards.map((_, i) => i).sort((i, j) => literals(guards[i]!) - literals(guards[j]!) || guards[i]!.id - guards[j]!.id);
}

/**
 * Per live entry, a condition that holds within the join exactly when control came that way: `selectors` when
 * the caller knows them (an `if` joins its arms under its condition and its negation), else the entries'
 * guards relative to one another.
 */
function selectorsOf(b: Builder, entries: readonly Exit[], selectors?: readonly Bool[]): { live: Exit[]; guards: Bool[] } {
  const kept = entries.map((e, i) => [e, i] as const).filter(([e]) => e.guard !== b.false);
  const live = kept.map(([e]) => e);
  return { live, guards: selectors ? kept.map(([, i]) => selectors[i]!) : relativeGuards(b, live) };
}

export function mergeEnvs(b: Builder, entries: readonly Exit[], fallback: Env, selectors?: readonly Bool[]): Env {
  const { live, guards } = selectorsOf(b, entries, selectors);
  if (live.length === 0) return cloneEnv(fallback);
  const first = live[0]!.snap.env;
  return {
    mem: first.mem ? chain(b, guards, live, (e) => e.snap.env.mem!) : null,
    size: first.size ? chain(b, guards, live, (e) => e.snap.env.size!) : null,
    world: chain(b, guards, live, (e) => e.snap.env.world),
    globals: first.globals.map((_, i) => chain(b, guards, live, (e) => e.snap.env.globals[i]!)),
  };
}

/**
 * Joins the entries of a label (or of the function's end) into one state under the disjunction of their
 * guards. With no live entry the join is unreachable: guard false, and `fallback` as its (unobserved) state.
 */
export function mergeExits(b: Builder, entries: readonly Exit[], valueWidths: readonly number[], fallback: Snapshot, selectors?: readonly Bool[]): Exit {
  const { live, guards } = selectorsOf(b, entries, selectors);
  const zeros = () => valueWidths.map((w) => b.constant(0n, w));
  if (live.length === 0) return { guard: b.false, snap: { env: cloneEnv(fallback.env), locals: [...fallback.locals] }, values: zeros() };
  const locals = fallback.locals.map((_, i) => chain(b, guards, live, (e) => e.snap.locals[i]!));
  const values = valueWidths.map((w, i) => chain(b, guards, live, (e) => e.values[i] ?? b.constant(0n, w)));
  return { guard: b.or(...live.map((e) => e.guard)), snap: { env: mergeEnvs(b, live, fallback.env, guards), locals }, values };
}
