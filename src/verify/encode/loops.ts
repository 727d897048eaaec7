import { forEachNode, someNode, type IrLoop, type IrNode } from '../../wasm/ir.js';
import { liveAfterLoops, type LiveAfterLoop } from './liveness.js';
import { NOTHING_KNOWN, implies, join, knownBits, knownBitsAssuming, meet, type KnownBits } from '../graph/known-bits.js';
import { foldTerms, mask, type BV, type Graph, type Bool, type LoopData, type Mem, type ParamData, type Sort, type Term, type World } from '../graph/terms.js';
import type { Label, SideEncoder } from './side.js';
import { type Env, type Exit, type Snapshot, cloneEnv, mergeEnvs, mergeExits } from './state.js';

/**
 * Loops in the value graph, never unrolled. A loop is one term: what its carried values hold on entry (its
 * arguments) and, in terms of header parameters, what one iteration does — the values carried round again,
 * the guard of going round, and the guard of each way out (trap, falling out of the body, a branch to an
 * enclosing label, a return). What the code after the loop sees are `exited(L, k)` (the loop left by way
 * k) and `exit(L, k, v)` (the value of the iteration term v at that last iteration).
 *
 * The candidate's loop is matched to a base loop coinductively: a relation between its carried values and
 * the base loop's header values that holds on entry (the entry terms are the same) and is preserved by one
 * iteration (run with the relation substituted, the candidate's iteration builds the very terms of the
 * base's: same guards, same values carried round). By induction on iterations the two loops then go round
 * the same number of times, leave the same way and see the same values, so the candidate's loop *is* the
 * base's loop term and everything after it can meet. Where no relation is found, the candidate's loop is a
 * term of its own and whatever depends on it stays apart (the checker then says why it could not prove).
 */

/** A carried value: a local of the current frame, or a component of the state. */
type Var = `l${number}` | 'mem' | 'size' | 'world' | `g${number}`;

const TRAP = 0;
const FALL = 1;

/** One way out of an iteration, with where it leads in the enclosing code. */
interface Way {
  to: { kind: 'trap' } | { kind: 'fall' } | { kind: 'label'; label: Label } | { kind: 'return' };
  exit: Exit;
}

/** What one iteration does from given header values. */
interface Iteration {
  again: Exit;
  ways: Way[];
  value: BV | undefined;
}

/** A base loop, kept for the candidate's loops to be matched against. */
export interface BaseLoop {
  /** Position among the base function's loops (pre-order): the candidate's loop at the same place is tried first. */
  order: number;
  loop: Term<'loop'>;
  data: LoopData;
  /** Every variable's value on entry, and at the header (a parameter if carried, else its entry value). */
  entry: Map<Var, Term>;
  header: Map<Var, Term>;
  /** Every variable's value carried round (its header value if not carried). */
  next: Map<Var, Term>;
  /** Per exit index, the guard of leaving that way. */
  exits: readonly Bool[];
  /** The roles of its variables (computed when a candidate loop first needs them). */
  roles?: Map<Var, number>;
}

function read(side: SideEncoder, v: Var): Term {
  switch (v) {
    case 'mem': return side.env.mem!;
    case 'size': return side.env.size!;
    case 'world': return side.env.world;
    default: return v[0] === 'l' ? side.frame.locals[Number(v.slice(1))]! : side.env.globals[Number(v.slice(1))]!;
  }
}

function readSnapshot(snap: Snapshot, v: Var): Term {
  switch (v) {
    case 'mem': return snap.env.mem!;
    case 'size': return snap.env.size!;
    case 'world': return snap.env.world;
    default: return v[0] === 'l' ? snap.locals[Number(v.slice(1))]! : snap.env.globals[Number(v.slice(1))]!;
  }
}

function write(env: Env, locals: BV[], v: Var, t: Term): void {
  switch (v) {
    case 'mem': env.mem = t as Mem; break;
    case 'size': env.size = t as BV; break;
    case 'world': env.world = t as World; break;
    default:
      if (v[0] === 'l') locals[Number(v.slice(1))] = t as BV;
      else env.globals[Number(v.slice(1))] = t as BV;
  }
}

/** Every variable of the current frame and state. */
function allVars(side: SideEncoder): Var[] {
  const vars: Var[] = side.frame.locals.map((_, i) => `l${i}` as Var);
  if (side.env.mem) vars.push('mem', 'size');
  vars.push('world');
  side.env.globals.forEach((_, i) => vars.push(`g${i}`));
  return vars;
}

/** The variables the loop body may change: an over-approximation, tightened after a first iteration. */
function written(side: SideEncoder, node: IrLoop): Set<Var> {
  const out = new Set<Var>();
  const state = (...vs: Var[]) => vs.forEach((v) => out.add(v));
  const globals = () => side.env.globals.forEach((_, i) => out.add(`g${i}`));
  forEachNode(node.body, (n) => {
    switch (n.kind) {
      case 'local.set': out.add(`l${n.local}`); break;
      case 'global.set': {
        const i = side.shared.globals.indexOf(n.global);
        if (i >= 0) out.add(`g${i}`);
        break;
      }
      case 'store': case 'memory.fill': case 'memory.copy': state('mem'); break;
      case 'simd.memory': if (n.op.startsWith('Store')) state('mem'); break;
      case 'memory.grow': state('mem', 'size', 'world'); break;
      case 'call': case 'call_indirect':
        if (side.env.mem) state('mem');
        if (side.env.mem && (n.kind === 'call_indirect' || !side.ctx.keepsMemorySize(n.target))) state('size');
        state('world');
        globals();
        break;
      default: break;
    }
  });
  return out;
}

/** One iteration from `header`, with branches out of the loop caught as its ways out. */
function iterate(side: SideEncoder, node: IrLoop, header: ReadonlyMap<Var, Term>): Iteration {
  const b = side.build;
  const saved = { alive: side.alive, env: side.env, locals: side.frame.locals, labels: side.frame.labels, returns: side.frame.returns, traps: side.traps };
  const env = cloneEnv(side.env);
  const locals = [...side.frame.locals];
  for (const [v, t] of header) write(env, locals, v, t);
  const proxies = saved.labels.map((l): Label => ({ name: l.name, exits: [] }));
  const back: Label = { name: node.label ?? '', exits: [] };
  side.alive = b.true;
  side.env = env;
  side.frame.locals = locals;
  side.frame.labels = [...proxies, back];
  side.frame.returns = [];
  side.traps = [];
  try {
    const value = side.exec(node.body);
    const here = side.snapshot();
    const ways: Way[] = [];
    const trapped = b.or(...side.traps.map((t) => t.guard));
    const trapEnv = mergeEnvs(b, side.traps.map((t) => ({ guard: t.guard, snap: { env: t.env, locals: [] }, values: [] })), side.env);
    ways.push({ to: { kind: 'trap' }, exit: { guard: trapped, snap: { env: trapEnv, locals: here.locals }, values: [] } });
    ways.push({ to: { kind: 'fall' }, exit: { guard: side.alive, snap: here, values: value ? [value] : [] } });
    proxies.forEach((proxy, i) => {
      if (proxy.exits.length === 0) return;
      const widths = proxy.exits[0]!.values.map((v) => v.width);
      ways.push({ to: { kind: 'label', label: saved.labels[i]! }, exit: mergeExits(b, proxy.exits, widths, here) });
    });
    if (side.frame.returns.length > 0) {
      const widths = side.frame.returns[0]!.values.map((v) => v.width);
      ways.push({ to: { kind: 'return' }, exit: mergeExits(b, side.frame.returns, widths, here) });
    }
    return { again: mergeExits(b, back.exits, [], here), ways, value };
  } finally {
    side.alive = saved.alive;
    side.env = saved.env;
    side.frame.locals = saved.locals;
    side.frame.labels = saved.labels;
    side.frame.returns = saved.returns;
    side.traps = saved.traps;
  }
}

/** What a term reads: its arguments, and for a loop also what its iteration reads (its body's terms). */
const reads = (u: Term): readonly Term[] => {
  if (u.op !== 'loop') return u.args;
  const data = u.data as LoopData;
  return [...u.args, ...data.next, data.again, ...data.exits];
};

/**
 * Whether the code a way out of the loop leads to may read what a local leaves with (liveness.ts): after the
 * loop, at the label branched to, never after a trap or a return; without the whole body of the frame (a
 * fragment), every local.
 */
function readAfter(side: SideEncoder, node: IrLoop): (v: Var, way: Way) => boolean {
  const after = livenessOf(side, node);
  if (!after) return () => true;
  return (v, { to }) => {
    const local = Number(v.slice(1));
    switch (to.kind) {
      case 'fall': return after.fall.has(local);
      case 'label': return after.labels.get(to.label.name)?.has(local) ?? true;
      default: return false;
    }
  };
}

/** The liveness of the frame's locals around `node` (liveness.ts); undefined without the frame's whole body. */
function livenessOf(side: SideEncoder, node: IrLoop): LiveAfterLoop | undefined {
  const body = side.frame.body;
  if (!body) return undefined;
  let live = liveness.get(body);
  if (!live) liveness.set(body, (live = liveAfterLoops(body)));
  return live.get(node);
}

const liveness = new WeakMap<IrNode, Map<IrLoop, LiveAfterLoop>>();

/**
 * The loop keys whose parameters `t` reads, outside the loops that bind them. A loop term reads what its
 * iteration reads (an enclosing loop's parameter its body uses without carrying it), so `exited(L, k)` and
 * `exit(L, k, v)` depend on everything the loop does.
 */
function freeLoops(side: SideEncoder, t: Term): ReadonlySet<number> {
  return foldTerms(t, reads, side.shared.freeLoops, (u, of) => {
    let keys: Set<number> | undefined;
    const add = (from: ReadonlySet<number>, except?: number) => {
      for (const k of from) if (k !== except) (keys ??= new Set()).add(k);
    };
    if (u.op === 'lparam') add(new Set([(u.data as ParamData)[0]]));
    else if (u.op === 'exit') {
      add(of(u.args[0]!));
      add(of(u.args[1]!), (u.args[0]!.data as LoopData).key);
    } else if (u.op === 'loop') {
      const own = (u.data as LoopData).key;
      for (const a of reads(u)) add(of(a), own);
    } else for (const a of u.args) add(of(a));
    return keys ?? EMPTY;
  });
}

const EMPTY: ReadonlySet<number> = new Set();

/** What `t` (a term of the iteration) holds when the loop has left by way `k`. */
function exitValue(side: SideEncoder, loop: Term<'loop'>, k: number, t: Term): Term {
  const key = (loop.data as LoopData).key;
  if (!freeLoops(side, t).has(key)) return t;
  return side.build.apply('exit', t.sort, [loop, t], k);
}

/**
 * The code after the loop: each way out continues where it leads, under `exited(L, k)`. A local whose value
 * there reads `unrelated` (the parameters of a candidate's variables no base variable corresponds to) leaves
 * with an unknown value.
 */
function leave(side: SideEncoder, loop: Term<'loop'>, iteration: Iteration, index: (way: Way) => number, unrelated?: number): BV | undefined {
  const b = side.build;
  const outer = side.alive;
  const vars = allVars(side);
  const mapped = (way: Way, k: number): Exit => {
    const env = cloneEnv(side.env);
    const locals = [...side.frame.locals];
    for (const v of vars) {
      if (v[0] === 'l' && way.to.kind === 'trap') continue;
      const value = readSnapshot(way.exit.snap, v);
      const unknown = unrelated !== undefined && freeLoops(side, value).has(unrelated);
      write(env, locals, v, unknown ? b.graph.intern('unknown', value.sort, [], b.graph.loopKey()) : exitValue(side, loop, k, value));
    }
    return {
      guard: b.and(outer, b.apply('exited', 'bool', [loop], k) as Bool),
      snap: { env, locals },
      values: way.exit.values.map((x) => exitValue(side, loop, k, x) as BV),
    };
  };
  let value: BV | undefined;
  let fell = false;
  for (const way of iteration.ways) {
    if (way.exit.guard === b.false) continue;
    const k = index(way);
    const exit = mapped(way, k);
    switch (way.to.kind) {
      case 'trap': side.traps.push({ guard: exit.guard, env: exit.snap.env }); break;
      case 'label': way.to.label.exits.push(exit); break;
      case 'return': side.frame.returns.push(exit); break;
      case 'fall':
        side.alive = exit.guard;
        side.env = exit.snap.env;
        side.frame.locals = exit.snap.locals;
        value = exit.values[0];
        fell = true;
        break;
    }
  }
  if (!fell) side.alive = b.false;
  return value;
}

/** A loop's header value: the parameter `index` of loop `key`, with the known bits its loop showed it has. */
function loopParam(side: SideEncoder, sort: Sort, key: number, index: number, facts: KnownBits = NOTHING_KNOWN): Term {
  const data: ParamData = [key, index, facts.zeros, facts.ones];
  return side.build.graph.intern('lparam', sort, [], data);
}

/**
 * What to assume of the carried values at the header, from one iteration's terms built knowing nothing of
 * them: the greatest facts, starting from the entry values', that the values carried round keep when the
 * header values have them (`knownBitsAssuming` re-reads the terms under each assumption; nothing is built).
 * A value whose assumption fails is weakened: first to whole bytes (see `widen`), then to what holds with no
 * assumption at all (the entry value's facts met with those of what is carried round from any header value:
 * binaryen's view of a local, every value written to it), then to nothing. Facts hold together, so the
 * first weakening keeps the second's as well. Only a guess: ownLoop runs the iteration again under it and
 * checks it there.
 */
function guessFacts(carried: readonly Var[], entry: ReadonlyMap<Var, Term>, header: ReadonlyMap<Var, Term>, next: Snapshot): Map<Var, KnownBits> {
  const guess = new Map(carried.map((v) => [v, knownBits(entry.get(v)!)] as const));
  const unconditional = (v: Var) => meet(knownBits(entry.get(v)!), knownBits(readSnapshot(next, v)));
  const failures = new Map<Var, number>();
  for (;;) {
    const facts = knownBitsAssuming(new Map(carried.map((v) => [header.get(v)!, guess.get(v)!] as const)));
    let kept = true;
    for (const v of carried) {
      const round = facts(readSnapshot(next, v));
      const g = guess.get(v)!;
      if (implies(round, g)) continue;
      kept = false;
      const failed = failures.get(v) ?? 0;
      failures.set(v, failed + 1);
      guess.set(v, failed === 0 ? join(widen(meet(g, round), entry.get(v)!.width), unconditional(v)) : failed === 1 ? unconditional(v) : NOTHING_KNOWN);
    }
    if (kept) return guess;
  }
}

/**
 * An assumption that failed once, weakened to a whole number of bytes: the value fits in the fewest bytes
 * that hold what was known to fit. A byte counted up from 0 (`(x + 1) & 255`) is first assumed to be 0,
 * found to be at most 1, and then shown to fit in a byte, rather than climbing one bit per run.
 */
function widen(k: KnownBits, width: number): KnownBits {
  let fits = width;
  while (fits > 0 && (k.zeros >> BigInt(fits - 1)) & 1n) fits--;
  const bytes = Math.min(width, 8 * Math.ceil(fits / 8));
  return bytes === 0 ? k : { zeros: mask(width) & ~mask(bytes), ones: 0n };
}

/**
 * A loop's own header: the variables it really carries, the parameters standing for them (with the known
 * bits shown to hold at every header), and one iteration from them.
 */
interface OwnHeader {
  key: number;
  entry: Map<Var, Term>;
  carried: Var[];
  header: Map<Var, Term>;
  iteration: Iteration;
}

function ownHeader(side: SideEncoder, node: IrLoop, vars: readonly Var[]): OwnHeader {
  const entry = new Map(vars.map((v) => [v, read(side, v)] as const));
  const writes = written(side, node);
  // A local the body writes but nothing reads before writing it again (on any path from the header, out of
  // the loop included) holds nothing at the header anyone reads: it need not be carried, and the run below
  // would find it dead and run again without it (SSA's temporaries, in nearly every loop).
  const readAtHeader = livenessOf(side, node)?.header;
  let carried = vars.filter((v) => writes.has(v) && (!readAtHeader || v[0] !== 'l' || readAtHeader.has(Number(v.slice(1)))));
  const key = side.shared.build.graph.loopKey();
  // Known bits of the carried values at the header, established coinductively. A parameter's facts are part
  // of its identity (its data), so terms built under an assumption that did not hold are never reused.
  //
  // Why this is sound: an iteration is run from parameters that carry an assumption A about each carried
  // value, and A is kept only if, in that same run, the entry values imply A and so do the values carried
  // round (their facts computed from terms built under A). Then A holds at the header of iteration 0 (the
  // entry values), and whenever it holds at the header of iteration i it holds at that of i + 1 (what
  // iteration i carries round); by induction on i it holds at every header, so every rewrite made under A
  // was made of values that satisfy it, and so was every fact derived from A (the values the loop leaves
  // with included). A value whose assumption is not kept is assumed nothing of and the iteration is run
  // again, so the runs end.
  //
  // The first run assumes nothing; what to assume next is guessed from its terms (`guessFacts`), and costs
  // a second run only when the guess says something.
  const assumed = new Map<Var, KnownBits>();
  const assumption = (v: Var) => assumed.get(v) ?? NOTHING_KNOWN;
  const param = (v: Var) => loopParam(side, entry.get(v)!.sort, key, vars.indexOf(v), assumption(v));
  let guessed = false;
  let header: Map<Var, Term>;
  let iteration: Iteration;
  // Variables an iteration carries round unchanged hold their entry value at every header, and what a
  // variable holds at the header may be read by nothing (a temporary written before it is read): run again
  // with those as invariants, so that the loop's terms depend only on what it really carries.
  const registered = side.shared.baseLoops.length;
  for (;;) {
    // The inner loops of a run that is redone are not the base's loops.
    side.shared.baseLoops.length = registered;
    header = new Map(vars.map((v) => [v, carried.includes(v) ? param(v) : entry.get(v)!] as const));
    iteration = iterate(side, node, header);
    const next = iteration.again.snap;
    const live = liveAtHeader(vars, carried, header, iteration, readAfter(side, node), side.build.graph).leaving;
    // A run whose assumptions do not all hold shows nothing, not even which variables it carries unchanged
    // (a fact may have folded a change away): it is run again with those assumptions dropped. Only what a
    // live variable is assumed to hold can have shaped a term anything observable reads.
    const failed = carried.filter((v) => {
      const a = assumption(v);
      return live.has(v) && !(implies(knownBits(entry.get(v)!), a) && implies(knownBits(readSnapshot(next, v)), a));
    });
    if (failed.length > 0) {
      for (const v of failed) assumed.delete(v);
      continue;
    }
    const still = carried.filter((v) => live.has(v) && readSnapshot(next, v) !== header.get(v));
    let guessing = false;
    if (!guessed) {
      guessed = true;
      const guess = guessFacts(carried, entry, header, next);
      for (const v of still) {
        const g = guess.get(v)!;
        if (g.zeros === 0n && g.ones === 0n) continue;
        assumed.set(v, g);
        guessing = true;
      }
    }
    if (!guessing && still.length === carried.length) break;
    carried = still;
  }
  return { key, entry, carried, header, iteration };
}

/** Every variable's value carried round by the header's iteration (its header value if not carried). */
function carriedRound({ carried, header, iteration }: Pick<OwnHeader, 'carried' | 'header' | 'iteration'>, vars: readonly Var[]): Map<Var, Term> {
  const isCarried = new Set(carried);
  return new Map(vars.map((v) => [v, isCarried.has(v) ? readSnapshot(iteration.again.snap, v) : header.get(v)!] as const));
}

/** A loop as a term of its own (a base loop, or a candidate's that matched none), from its header if known. */
function ownLoop(side: SideEncoder, node: IrLoop, own?: OwnHeader): BV | undefined {
  const b = side.build;
  const vars = allVars(side);
  const { key, entry, carried, header, iteration } = own ?? ownHeader(side, node, vars);
  const next = carried.map((v) => readSnapshot(iteration.again.snap, v));
  const exits = [b.false as Bool, b.false as Bool];
  const indexOf = new Map<Way, number>();
  for (const way of iteration.ways) {
    const k = way.to.kind === 'trap' ? TRAP : way.to.kind === 'fall' ? FALL : exits.length;
    if (k >= exits.length) exits.push(b.false);
    exits[k] = way.exit.guard;
    indexOf.set(way, k);
  }
  const data: LoopData = { key, params: carried.map((v) => header.get(v)!), next, again: iteration.again.guard, exits };
  const loop = b.graph.intern('loop', 'loop', carried.map((v) => entry.get(v)!), data);
  if (side.side === 'a') {
    side.shared.baseLoops.push({ order: loopOrder(side, node), loop, data, entry, header, next: carriedRound({ carried, header, iteration }, vars), exits });
  }
  return leave(side, loop, iteration, (way) => indexOf.get(way)!);
}

const AC_OPS = new Set(['add', 'mul', 'and', 'or', 'xor', 'band', 'bor', 'eq']);

const mix = (h: number, x: number) => Math.imul(h ^ x, 0x01000193) >>> 0;
const mixText = (h: number, text: string) => {
  for (let i = 0; i < text.length; i++) h = mix(h, text.charCodeAt(i));
  return h;
};

/**
 * A hash of each carried variable's role in the loop: what it holds on entry and, refined a few rounds, the
 * shape of what it carries round with the loop's own parameters replaced by their variables' hashes. Terms
 * that read no loop at all are the same terms on both sides and hash by identity. Variables of two loops
 * with equal hashes are the candidates for the coinductive relation; the relation itself is then checked.
 */
function roles(side: SideEncoder, key: number, vars: readonly Var[], entry: ReadonlyMap<Var, Term>, next: ReadonlyMap<Var, Term>): Map<Var, number> {
  let role = new Map(vars.map((v) => [v, mix(mixText(0x811c9dc5, v[0] === 'l' ? 'l' : v), entry.get(v)!.id)] as const));
  for (let round = 0; round < 3; round++) {
    const memo = new Map<Term, number>();
    const hash = (t: Term): number => {
      const known = memo.get(t);
      if (known !== undefined) return known;
      let h: number;
      if (t.op === 'loop') {
        // An inner loop's parameters stand for what they start from (their locals may be renumbered).
        const data = t.data as LoopData;
        data.params.forEach((p, i) => memo.set(p, mix(0x9e3779b9, hash(t.args[i]!))));
      }
      if (t.op === 'lparam') {
        const [k, index] = t.data as readonly [number, number];
        h = k === key ? role.get(vars[index]!) ?? 0 : mix(0x9e3779b9, index);
      } else if (freeLoops(side, t).size === 0 && t.op !== 'loop') {
        h = mix(0x85ebca6b, t.id);
      } else if (t.op === 'loop') {
        // Carried values and ways out as sets: their order follows each side's own numbering.
        const data = t.data as LoopData;
        const carried = data.params.map((_, i) => mix(hash(t.args[i]!), hash(data.next[i]!))).sort((x, y) => x - y);
        const exits = data.exits.map(hash).sort((x, y) => x - y);
        h = [...carried, hash(data.again), ...exits].reduce(mix, 0x27d4eb2f);
      } else {
        h = mixText(0x811c9dc5, `${t.op}:${t.sort}:${t.op === 'exit' || t.op === 'exited' ? '' : String(t.data)}`);
        const parts = t.args.map(hash);
        // A way out of an inner loop is known by its guard, not by its index (hashed after the loop itself,
        // which gives the loop's parameters their hashes).
        if (t.op === 'exit' || t.op === 'exited') h = mix(h, hash((t.args[0]!.data as LoopData).exits[t.data as number]!));
        if (AC_OPS.has(t.op)) parts.sort((x, y) => x - y);
        for (const x of parts) h = mix(h, x);
      }
      memo.set(t, h);
      return h;
    };
    role = new Map(vars.map((v) => [v, mix(role.get(v)!, hash(next.get(v)!))] as const));
    side.build.graph.charge(memo.size);
  }
  return role;
}

/**
 * One iteration of the candidate's loop with parameters of its own: which carried variables are live at the
 * header (something observable reads what they hold there: the guards, the values leaving the loop, or what
 * a live variable carries round), and each variable's role (see `roles`). Variables written in the body but
 * dead at the header (temporaries, the locals SSA splits off) need no counterpart in the base loop.
 */
interface Survey {
  own: OwnHeader;
  /** Live for what the loop itself does (guards, state, values it leaves with). */
  live: Set<Var>;
  /** Live also for the values locals leave with (which the code after the loop may or may not read). */
  leaving: Set<Var>;
  roles: Map<Var, number>;
}

/**
 * Built as a base loop's own header is (the same variables carried, the same facts assumed), so that the roles
 * of a candidate loop and of the base loop it is are the same hashes; and if no base loop matches, the
 * candidate's loop is this header's (ownLoop), not built again.
 */
function survey(side: SideEncoder, node: IrLoop, vars: readonly Var[]): Survey {
  const own = ownHeader(side, node, vars);
  const { key, entry, carried, header, iteration } = own;
  // The values locals leave with are no reason to relate them: a local the code after the loop never reads
  // (SSA's copies) may leave with anything; one it reads leaves with a value nothing is known about.
  const { live, leaving } = liveAtHeader(vars, carried, header, iteration, readAfter(side, node), side.build.graph);
  return { own, live, leaving, roles: roles(side, key, vars, entry, carriedRound(own, vars)) };
}

/**
 * The carried variables whose value at the header something observable reads: the guards, what leaves the
 * loop, or what a live variable carries round (`live`); and with the values locals leave with that the code
 * after the loop reads (`leaving`, a superset: one walk goes on from where the first stopped).
 */
function liveAtHeader(
  vars: readonly Var[], carried: readonly Var[], header: ReadonlyMap<Var, Term>, iteration: Iteration, readLater: (v: Var, way: Way) => boolean,
  graph: Graph,
): { live: Set<Var>; leaving: Set<Var> } {
  const paramOf = new Map<Term, Var>(carried.map((v) => [header.get(v)!, v]));
  const found = new Set<Var>();
  const seen = new Set<Term>();
  const walk = (stack: Term[]) => {
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (seen.has(t)) continue;
      seen.add(t);
      const v = paramOf.get(t);
      if (v !== undefined && !found.has(v)) {
        found.add(v);
        stack.push(readSnapshot(iteration.again.snap, v));
      }
      for (const u of reads(t)) if (!seen.has(u)) stack.push(u);
    }
  };
  const roots: Term[] = [iteration.again.guard];
  const later: Term[] = [];
  for (const way of iteration.ways) {
    roots.push(way.exit.guard, ...way.exit.values);
    for (const v of vars) {
      if (v[0] !== 'l') roots.push(readSnapshot(way.exit.snap, v));
      else if (readLater(v, way)) later.push(readSnapshot(way.exit.snap, v));
    }
  }
  walk(roots);
  const live = new Set(found);
  walk(later);
  graph.charge(seen.size);
  return { live, leaving: found };
}

/** Tries to show the candidate's loop is `base` (see the file comment); the iteration and way map if so. */
function matchBase(
  side: SideEncoder, node: IrLoop, base: BaseLoop, surveyed: () => Survey, mayRun: () => boolean,
): { iteration: Iteration; index: (way: Way) => number; unrelated: number } | undefined {
  const b = side.build;
  const vars = allVars(side);
  const writes = written(side, node);
  const carried = vars.filter((v) => writes.has(v));
  const baseVars = [...base.header.keys()];
  const fitsOf = (v: Var) => baseVars.filter((u) => (v[0] === 'l' ? u[0] === 'l' : u === v) && base.entry.get(u) === read(side, v));
  // State components correspond to themselves whether live or not: a quick test before any iteration runs.
  if (carried.some((v) => v[0] !== 'l' && fitsOf(v).length === 0)) return undefined;
  if (!mayRun()) return undefined;
  const { own: { key, header: own }, live, leaving, roles: mine } = surveyed();
  // Variables the loop itself reads must correspond to base variables; locals it only leaves with are
  // related where they can be and otherwise leave with an unknown value.
  const required = carried.filter((v) => live.has(v));
  const optional = carried.filter((v) => !live.has(v) && leaving.has(v));
  const candidates = new Map<Var, Var[]>();
  for (const v of [...required, ...optional]) {
    const fits = fitsOf(v);
    if (fits.length === 0 && required.includes(v)) return undefined;
    if (fits.length > 0) candidates.set(v, fits);
  }
  if ([...candidates.values()].some((fits) => fits.length > 1)) {
    // Same role first, then carried values of the base (what an unchanged variable corresponds to).
    base.roles ??= roles(side, base.data.key, baseVars, base.entry, base.next);
    const theirs = base.roles;
    const rank = (v: Var, u: Var) => (theirs.get(u) === mine.get(v) ? 0 : 2) + (base.header.get(u) === base.entry.get(u) ? 1 : 0);
    for (const [v, fits] of candidates) fits.sort((x, y) => rank(v, x) - rank(v, y));
  }
  const choice = new Map<Var, number>([...candidates.keys()].map((v) => [v, 0]));
  for (let attempt = 0; attempt < MATCH_RUNS; attempt++) {
    const header = new Map<Var, Term>();
    for (const v of vars) {
      header.set(v, choice.has(v) ? base.header.get(candidates.get(v)![choice.get(v)!]!)! : carried.includes(v) ? own.get(v)! : read(side, v));
    }
    const iteration = iterate(side, node, header);
    const broken = [...choice.keys()].filter((v) => readSnapshot(iteration.again.snap, v) !== base.next.get(candidates.get(v)![choice.get(v)!]!));
    if (broken.length > 0) {
      // Another choice for each broken variable that has one (a variable may break only because another did);
      // an optional one with none left goes unrelated.
      let moved = false;
      for (const v of broken) {
        if (choice.get(v)! + 1 < candidates.get(v)!.length) {
          choice.set(v, choice.get(v)! + 1);
          moved = true;
        } else if (!required.includes(v)) {
          choice.delete(v);
          moved = true;
        }
      }
      // A broken variable with no alternative (the memory) may break only because of another's choice.
      if (!moved && !nextChoice(choice, candidates, required)) return undefined;
      continue;
    }
    const index = ways(side, base, iteration, vars, key);
    if (index) return { iteration, index: (way) => index.get(way)!, unrelated: key };
    // Everything carried round agrees, but the loop goes round or leaves otherwise: another relation, in
    // odometer order over the variables that have alternatives.
    if (!nextChoice(choice, candidates, required)) return undefined;
  }
  return undefined;
}

/**
 * The base's way out for each of the iteration's ways (matched by guard), or undefined when the iteration
 * goes round under another guard, leaves some way the base does not, or lets an unrelated variable's
 * stand-in leave the loop other than in a local.
 */
function ways(side: SideEncoder, base: BaseLoop, iteration: Iteration, vars: readonly Var[], key: number): Map<Way, number> | undefined {
  if (iteration.again.guard !== base.data.again) return undefined;
  const index = new Map<Way, number>();
  const leaks = (t: Term) => freeLoops(side, t).has(key);
  for (const way of iteration.ways) {
    if (way.exit.guard === side.build.false) continue;
    const k = way.to.kind === 'trap' ? (base.exits[TRAP] === way.exit.guard ? TRAP : -1) : base.exits.indexOf(way.exit.guard);
    if (k < 0 || (k === TRAP) !== (way.to.kind === 'trap')) return undefined;
    if (way.exit.values.some(leaks) || vars.some((v) => v[0] !== 'l' && leaks(readSnapshot(way.exit.snap, v)))) return undefined;
    index.set(way, k);
  }
  return index;
}

/** The next relation to try: the last variable with an alternative moves on, those after it start over. */
function nextChoice(choice: Map<Var, number>, candidates: ReadonlyMap<Var, Var[]>, required: readonly Var[]): boolean {
  const vars = [...choice.keys()];
  for (let i = vars.length - 1; i >= 0; i--) {
    const v = vars[i]!;
    if (choice.get(v)! + 1 < candidates.get(v)!.length) {
      choice.set(v, choice.get(v)! + 1);
      for (const w of vars.slice(i + 1)) choice.set(w, 0);
      return true;
    }
    if (!required.includes(v)) {
      choice.delete(v);
      return true;
    }
  }
  return false;
}

/** A loop in graph mode: the base's loops become terms; a candidate's loop is matched to one if it can be. */
export function graphLoop(side: SideEncoder, node: IrLoop): BV | undefined {
  const order = loopOrder(side, node);
  // A loop nothing branches back to runs its body once: it is a block without a label.
  if (!someNode(node.body, (n) => (n.kind === 'br' && n.label === node.label) || (n.kind === 'br_table' && [n.defaultLabel, ...n.labels].includes(node.label ?? '')))) {
    return side.exec(node.body);
  }
  if (side.side === 'b') {
    const nearest = [...side.shared.baseLoops].sort((x, y) => Math.abs(x.order - order) - Math.abs(y.order - order));
    let tried = 0;
    let surveyed: Survey | undefined;
    const surveyOnce = () => (surveyed ??= survey(side, node, allVars(side)));
    for (const base of nearest) {
      const matched = matchBase(side, node, base, surveyOnce, () => ++tried <= MATCH_ATTEMPTS);
      if (matched) return leave(side, base.loop, matched.iteration, matched.index, matched.unrelated);
      if (tried >= MATCH_ATTEMPTS) break;
    }
    return ownLoop(side, node, surveyed?.own);
  }
  return ownLoop(side, node);
}

/** Base loops a candidate loop is run against (each run is one iteration's encoding). */
const MATCH_ATTEMPTS = 3;

/** Relations tried against one base loop. */
const MATCH_RUNS = 8;

/** The loop's position among its function's loops, in pre-order. */
function loopOrder(side: SideEncoder, node: IrLoop): number {
  let orders = loopOrders.get(side);
  if (!orders) loopOrders.set(side, (orders = new Map()));
  let order = orders.get(node);
  if (order === undefined) orders.set(node, (order = orders.size));
  return order;
}

const loopOrders = new WeakMap<SideEncoder, Map<IrLoop, number>>();
