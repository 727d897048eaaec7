import type { IrBr, IrBrTable, IrFunction, IrIf, IrLoop, IrNode } from '../../wasm/ir.js';
import type { Builder } from '../graph/build.js';
import type { BV, Bool } from '../graph/terms.js';
import type { ModuleContext } from '../context.js';
import { call, callIndirect } from './calls.js';
import { floatBinary, floatUnary } from './float.js';
import { intBinary, intUnary } from './int.js';
import { simdBinary, simdMemory, simdOperation, simdUnary } from './simd.js';
import { graphLoop } from './loops.js';
import type { MemoryModel, MemorySide } from './memory.js';
import type { SharedInputs } from './query.js';
import { type Env, type Exit, type Snapshot, cloneEnv, mergeEnvs, mergeExits } from './state.js';

/** The largest `br_table` whose default is encoded as failed tests of each index (brTable). */
const CASE_TESTS = 64;

/**
 * Symbolic execution of one side of a function pair into value-graph terms. Control flow is exact: every
 * branch records an exit (guard, state, value) on its target label and narrows the current path's guard; a
 * label joins its exits (state.ts). Traps are exits too, with the state at the trap point. How loops are
 * encoded is the mode the encoder is made with: as loop terms that a candidate's loop can be shown equal to
 * (graph), cut at their headers (induction segments), or run a few times (refutation only, never a proof).
 */

export class Unsupported extends Error {
  constructor(readonly reason: 'unsupported' | 'loop', readonly construct: string) {
    super(`${reason}: ${construct}`);
  }
}

export type LoopMode =
  | { kind: 'graph' }
  /** Induction segments: every loop header is a cut point; a path that reaches one stops there. */
  | { kind: 'cut'; cutPoints: ReadonlyMap<IrNode, number> }
  /** Refutation only: loops run this many times, longer runs are cut (never a proof). */
  | { kind: 'unroll'; iterations: number };

export interface Label {
  name: string;
  exits: Exit[];
  /** Set on the label of a loop whose header is a cut point: branches to it are arrivals there. */
  loop?: number;
}

export interface Frame {
  locals: BV[];
  widths: number[];
  labels: Label[];
  returns: Exit[];
  depth: number;
  /** The whole body this frame runs, when it is one (a function's, an inlined callee's); not a fragment's. */
  body?: IrNode;
}

export interface SideResult {
  /** Paths cut by a bounded unrolling (refutation queries only); false otherwise. */
  cut: Bool;
  /** The guard under which the code ends normally (fallthrough or return), its state and results. */
  normal: Exit;
  trapped: Bool;
  /** Every way to a trap, as it was reached: what trapEnv is merged from. */
  traps: readonly Trap[];
  /**
   * The state at the trap, merged from `traps` when first read: merging hundreds of traps (a load's bounds
   * check each) costs more than running the code, and a pair whose sides trap the same ways needs no merge
   * (see sameTraps).
   */
  readonly trapEnv: Env;
  /** Cut points reached (induction segments only): per loop id, the guard and state at its header. */
  arrivals: Map<number, Exit>;
}

export interface Trap {
  guard: Bool;
  env: Env;
}

/**
 * Whether two sides reach traps the same ways: the same guards, each with the same state. Their states at the
 * trap are then one function of the same ways, so equal, and neither needs merging.
 */
export function sameTraps(a: readonly Trap[], b: readonly Trap[]): boolean {
  const key = (t: Trap) => [t.guard, t.env.mem, t.env.size, t.env.world, ...t.env.globals].map((x) => x?.id ?? -1).join();
  const ours = new Set(a.map(key));
  const theirs = new Set(b.map(key));
  return ours.size === theirs.size && [...ours].every((k) => theirs.has(k));
}

const widthOf = (type: string): number => (type === 'v128' ? 128 : type === 'i64' || type === 'f64' ? 64 : 32);
const resultWidths = (type: string): number[] => (type === 'none' || type === 'unreachable' ? [] : [widthOf(type)]);

export class SideEncoder implements MemorySide {
  readonly build: Builder;
  alive: Bool;
  env: Env;
  frame: Frame;
  traps: Trap[] = [];
  private cut: Bool;
  private readonly arrivals = new Map<number, Exit[]>();

  constructor(
    /** 'a' for the base, 'b' for the candidate. */
    readonly side: 'a' | 'b',
    readonly ctx: ModuleContext,
    readonly shared: SharedInputs,
    locals: BV[],
    widths: number[],
    readonly mode: LoopMode = { kind: 'graph' },
  ) {
    this.build = shared.build;
    this.alive = this.build.true;
    this.cut = this.build.false;
    this.env = cloneEnv(shared.entry);
    this.frame = { locals: [...locals], widths, labels: [], returns: [], depth: 0 };
  }

  trap(cond: Bool): void {
    const b = this.build;
    const guard = b.and(this.alive, cond);
    if (guard !== b.false) this.traps.push({ guard, env: cloneEnv(this.env) });
    this.alive = b.and(this.alive, b.not(cond));
  }

  approximate(what: string): void {
    this.shared.approximations.add(what);
  }

  get memory(): MemoryModel {
    if (!this.shared.memory) throw new Unsupported('unsupported', 'a memory instruction without a memory');
    return this.shared.memory;
  }

  /** Runs `node` from the current state; the result is what the whole fragment does. */
  run(node: IrNode, resultTypes: readonly string[]): SideResult {
    return this.finish(this.exec(node), resultTypes);
  }

  /** The function being encoded (calls.ts never inlines it into itself). */
  root: string | undefined;

  /** Runs a function's whole body (which lets loops see which locals the code around them reads). */
  runBody(fn: IrFunction): SideResult {
    this.frame.body = fn.body!;
    this.root = fn.name;
    return this.run(fn.body!, fn.results);
  }

  /**
   * An induction segment from a loop header: from the entry state and locals this encoder was made with, one
   * iteration of the loop at the end of `path` (the nodes from the function body down to that loop), then
   * the rest of the function. Branches back to this or an enclosing loop, and any other loop reached, are
   * arrivals at cut points.
   */
  runFromHeader(path: readonly IrNode[], resultTypes: readonly string[]): SideResult {
    const labels = path.map((node) => this.openLabel(node));
    const loop = path[path.length - 1] as IrLoop;
    let value = this.exec(loop.body);
    for (let d = path.length - 1; d >= 0; d--) {
      const node = path[d]!;
      if (d < path.length - 1) value = this.continueAfter(node, path[d + 1]!, value);
      value = this.closeLabel(node, labels[d], value);
    }
    return this.finish(value, resultTypes);
  }

  /** What follows `child` inside `node`, when control left `child` normally with `value`. */
  private continueAfter(node: IrNode, child: IrNode, value: BV | undefined): BV | undefined {
    switch (node.kind) {
      case 'block': {
        let last = value;
        for (const kid of node.children.slice(node.children.indexOf(child) + 1)) last = this.exec(kid);
        return last;
      }
      case 'if':
        if (node.condition === child) throw new Unsupported('loop', 'loop in a condition');
        return value;
      case 'loop':
        return value;
      case 'local.set': {
        // A dead path carries no value; what it sets is never observed.
        const set = value ?? this.build.constant(0n, this.frame.widths[node.local]!);
        this.frame.locals[node.local] = set;
        return node.tee ? set : undefined;
      }
      case 'drop':
        return undefined;
      default:
        throw new Unsupported('loop', `loop inside ${node.kind}`);
    }
  }

  finish(value: BV | undefined, resultTypes: readonly string[]): SideResult {
    const b = this.build;
    const widths = resultTypes.map(widthOf);
    const values = value && widths.length > 0 ? [value] : widths.map((w) => b.constant(0n, w));
    const fallthrough: Exit = { guard: this.alive, snap: this.snapshot(), values };
    const normal = mergeExits(b, [fallthrough, ...this.frame.returns], widths, this.snapshot());
    const traps = [...this.traps];
    const trapped = b.or(...traps.map((t) => t.guard));
    const fallback = this.env;
    let trapEnv: Env | undefined;
    const arrivals = new Map([...this.arrivals].map(([id, exits]) => [id, mergeExits(b, exits, [], this.snapshot())]));
    return {
      normal, trapped, traps, cut: this.cut, arrivals,
      get trapEnv() {
        return (trapEnv ??= mergeEnvs(b, traps.map((t) => ({ guard: t.guard, snap: { env: t.env, locals: [] }, values: [] })), fallback));
      },
    };
  }

  private arrive(id: number, exits: readonly Exit[]): void {
    const list = this.arrivals.get(id) ?? [];
    list.push(...exits.filter((e) => e.guard !== this.build.false));
    this.arrivals.set(id, list);
  }

  snapshot(): Snapshot {
    return { env: cloneEnv(this.env), locals: [...this.frame.locals] };
  }

  restore(exit: Exit): void {
    this.alive = exit.guard;
    this.env = cloneEnv(exit.snap.env);
    this.frame.locals = [...exit.snap.locals];
  }

  dead(type: string): BV | undefined {
    return type === 'none' || type === 'unreachable' ? undefined : this.build.constant(0n, widthOf(type));
  }

  /** The value of a child; a child of type unreachable leaves the path dead and its "value" is never observed. */
  value(node: IrNode): BV {
    return this.exec(node) ?? this.build.constant(0n, 32);
  }

  exec(node: IrNode): BV | undefined {
    const b = this.build;
    if (this.alive === b.false) return this.dead(node.type);
    switch (node.kind) {
      case 'nop':
        return undefined;
      case 'const':
        if (node.value === 'nan') throw new Unsupported('unsupported', 'NaN constant (binaryen.js hides its payload)');
        return b.constant(BigInt(node.value), widthOf(node.type));
      case 'local.get':
        return this.frame.locals[node.local]!;
      case 'local.set': {
        const v = this.value(node.value);
        this.frame.locals[node.local] = v;
        return node.tee ? v : undefined;
      }
      case 'global.get':
        return this.globalGet(node.global, widthOf(node.type));
      case 'global.set': {
        const v = this.value(node.value);
        const i = this.shared.globals.indexOf(node.global);
        if (i < 0) throw new Unsupported('unsupported', `global.set of ${node.global} (not a global of the base)`);
        this.env.globals[i] = v;
        return undefined;
      }
      case 'unary': {
        const v = this.value(node.value);
        if (this.operandEnded()) return this.dead(node.type);
        const result = node.op.includes('Vec') ? simdUnary(this, node.op, v) : /Float|Reinterpret|ToFloat/.test(node.op) ? floatUnary(this, node.op, v) : intUnary(this, node.op, v);
        if (!result) throw new Unsupported('unsupported', `operator ${node.op}`);
        return result;
      }
      case 'binary': {
        const x = this.value(node.left);
        const y = this.value(node.right);
        if (this.operandEnded()) return this.dead(node.type);
        const result = node.op.includes('Vec') ? simdBinary(this, node.op, x, y) : /Float/.test(node.op) ? floatBinary(this, node.op, x, y) : intBinary(this, node.op, x, y);
        if (!result) throw new Unsupported('unsupported', `operator ${node.op}`);
        return result;
      }
      case 'select': {
        const x = this.value(node.ifTrue);
        const y = this.value(node.ifFalse);
        const c = this.value(node.condition);
        return b.ite(b.truthy(c), x, y);
      }
      case 'drop':
        this.exec(node.value);
        return undefined;
      case 'unreachable':
        this.trap(b.true);
        return undefined;
      case 'block': {
        const label = this.openLabel(node);
        let last: BV | undefined;
        for (const kid of node.children) last = this.exec(kid);
        return this.closeLabel(node, label, last);
      }
      case 'if':
        return this.ifElse(node);
      case 'loop':
        return this.loop(node);
      case 'br':
        return this.br(node);
      case 'br_table':
        return this.brTable(node);
      case 'return': {
        const v = node.value ? this.exec(node.value) : undefined;
        if (this.alive !== b.false) this.frame.returns.push({ guard: this.alive, snap: this.snapshot(), values: v ? [v] : [] });
        this.alive = b.false;
        return undefined;
      }
      case 'call':
        return call(this, node);
      case 'call_indirect':
        return callIndirect(this, node);
      case 'load': {
        const ptr = this.value(node.ptr);
        return this.memory.load(this, ptr, BigInt(node.offset), node.bytes, node.signed, widthOf(node.type));
      }
      case 'store': {
        const ptr = this.value(node.ptr);
        const v = this.value(node.value);
        this.memory.store(this, ptr, BigInt(node.offset), node.bytes, v);
        return undefined;
      }
      case 'memory.size':
        void this.memory; // a memory instruction needs a memory
        return this.env.size!;
      case 'memory.grow': {
        const delta = this.value(node.delta);
        return this.memory.grow(this, delta);
      }
      case 'memory.fill': {
        const dest = this.value(node.dest);
        const value = this.value(node.value);
        const size = this.value(node.size);
        this.memory.fill(this, dest, value, size);
        return undefined;
      }
      case 'memory.copy': {
        const dest = this.value(node.dest);
        const source = this.value(node.source);
        const size = this.value(node.size);
        this.memory.copy(this, dest, source, size);
        return undefined;
      }
      case 'simd': {
        const operands = node.operands.map((operand) => this.value(operand));
        if (this.operandEnded()) return this.dead(node.type);
        const result = simdOperation(this, node, operands);
        if (!result) throw new Unsupported('unsupported', `operator ${node.op}`);
        return result;
      }
      case 'simd.memory': {
        const ptr = this.value(node.ptr);
        const vec = node.vec ? this.value(node.vec) : undefined;
        if (this.operandEnded()) return this.dead(node.type);
        const result = simdMemory(this, this.memory, node, ptr, vec);
        if (!result) throw new Unsupported('unsupported', `operator ${node.op}`);
        return result.value;
      }
      case 'unsupported':
        throw new Unsupported('unsupported', node.what);
    }
  }

  /**
   * Whether an operand ended the path (it trapped or branched away): the operator's value is then never
   * observed, and value()'s stand-in for that operand (a 32-bit zero) fits no other width or lane layout.
   */
  private operandEnded(): boolean {
    return this.alive === this.build.false;
  }

  private globalGet(name: string, width: number): BV {
    const i = this.shared.globals.indexOf(name);
    if (i >= 0) return this.env.globals[i]!;
    const decl = this.ctx.globals.get(name);
    if (!decl) throw new Unsupported('unsupported', `global ${name} missing`);
    if (decl.mutable) throw new Unsupported('unsupported', `mutable global ${name} not in the base`);
    if (decl.init !== undefined && decl.init !== 'nan') return this.build.constant(BigInt(decl.init), width);
    // An imported or non-constant immutable global: the same unknown value on both sides.
    return this.build.variable(`gi_${symbolPart(name)}`, `bv${width}`);
  }

  /** The label a block or a cut-point loop puts on the stack (none for other nodes). */
  private openLabel(node: IrNode): Label | undefined {
    const loop = node.kind === 'loop' && this.mode.kind === 'cut' ? this.mode.cutPoints.get(node) : undefined;
    if (node.kind !== 'block' && loop === undefined) return undefined;
    const name = node.kind === 'block' || node.kind === 'loop' ? node.label : null;
    if (!name && loop === undefined) return undefined;
    const label: Label = { name: name ?? '', exits: [], ...(loop !== undefined ? { loop } : {}) };
    this.frame.labels.push(label);
    return label;
  }

  /** Pops `label`: a block joins its exits with the fallthrough; a loop's exits are arrivals at its header. */
  private closeLabel(node: IrNode, label: Label | undefined, last: BV | undefined): BV | undefined {
    if (!label) return last;
    this.frame.labels.pop();
    if (label.loop !== undefined) {
      this.arrive(label.loop, label.exits);
      return last;
    }
    const widths = resultWidths(node.type);
    const fall: Exit = { guard: this.alive, snap: this.snapshot(), values: last ? [last] : [] };
    const merged = mergeExits(this.build, [fall, ...label.exits], widths, this.snapshot());
    this.restore(merged);
    return merged.values[0];
  }

  private ifElse(node: IrIf): BV | undefined {
    const b = this.build;
    const cond = b.truthy(this.value(node.condition));
    const before: Exit = { guard: this.alive, snap: this.snapshot(), values: [] };
    const entries = [b.and(before.guard, cond), b.and(before.guard, b.not(cond))];
    this.alive = entries[0]!;
    const thenValue = this.exec(node.ifTrue);
    const thenExit: Exit = { guard: this.alive, snap: this.snapshot(), values: thenValue ? [thenValue] : [] };
    this.restore(before);
    this.alive = entries[1]!;
    const elseValue = node.ifFalse ? this.exec(node.ifFalse) : undefined;
    const elseExit: Exit = { guard: this.alive, snap: this.snapshot(), values: elseValue ? [elseValue] : [] };
    // Arms that neither trap nor branch away join as a `select` does: under the guard the `if` was entered
    // with (not the disjunction of the arms' guards, which need not fold back to it), with the condition
    // choosing the value.
    const plain = thenExit.guard === entries[0] && elseExit.guard === entries[1];
    const merged = mergeExits(b, [thenExit, elseExit], resultWidths(node.type), this.snapshot(), plain ? [cond, b.not(cond)] : undefined);
    if (plain) merged.guard = before.guard;
    this.restore(merged);
    return merged.values[0];
  }

  private loop(node: IrLoop): BV | undefined {
    switch (this.mode.kind) {
      case 'graph':
        return graphLoop(this, node);
      case 'cut': {
        const cutPoint = this.mode.cutPoints.get(node);
        if (cutPoint === undefined) throw new Unsupported('loop', `loop ${node.label ?? ''}`.trim());
        this.arrive(cutPoint, [{ guard: this.alive, snap: this.snapshot(), values: [] }]);
        this.alive = this.build.false;
        return this.dead(node.type);
      }
      case 'unroll':
        return this.unrolled(node, this.mode.iterations);
    }
  }

  /**
   * Bounded unrolling, for refutation queries only: the paths still looping after `iterations` iterations
   * are cut, and the query asks for a difference on paths that were not cut on either side.
   */
  private unrolled(node: IrLoop, iterations: number): BV | undefined {
    const b = this.build;
    const widths = resultWidths(node.type);
    const leaving: Exit[] = [];
    for (let iteration = 0; ; iteration++) {
      const label: Label = { name: node.label ?? '', exits: [] };
      this.frame.labels.push(label);
      const value = this.exec(node.body);
      this.frame.labels.pop();
      leaving.push({ guard: this.alive, snap: this.snapshot(), values: value ? [value] : [] });
      const again = mergeExits(b, label.exits, [], this.snapshot());
      if (iteration === iterations || again.guard === b.false) {
        this.cut = b.or(this.cut, again.guard);
        break;
      }
      this.restore(again);
    }
    const merged = mergeExits(b, leaving, widths, this.snapshot());
    this.restore(merged);
    return merged.values[0];
  }

  target(name: string): Label {
    for (let i = this.frame.labels.length - 1; i >= 0; i--) if (this.frame.labels[i]!.name === name) return this.frame.labels[i]!;
    throw new Unsupported('loop', `branch to loop label ${name}`);
  }

  private br(node: IrBr): BV | undefined {
    const b = this.build;
    const v = node.value ? this.exec(node.value) : undefined;
    const c = node.condition ? b.truthy(this.value(node.condition)) : b.true;
    const guard = b.and(this.alive, c);
    const label = this.target(node.label);
    if (guard !== b.false) label.exits.push({ guard, snap: this.snapshot(), values: v ? [v] : [] });
    this.alive = b.and(this.alive, b.not(c));
    return node.condition ? v : undefined;
  }

  private brTable(node: IrBrTable): undefined {
    const b = this.build;
    const v = node.value ? this.exec(node.value) : undefined;
    const index = this.value(node.index);
    const conditions = new Map<string, Bool[]>();
    node.labels.forEach((name, i) => {
      conditions.set(name, [...(conditions.get(name) ?? []), b.eq(index, b.constant(BigInt(i), 32))]);
    });
    // Past the last label: as failed tests of each index while the table is small, as a chain of `br_if`s on
    // `index == k` has it (remove-unused-brs makes one of the other; Builder.caseEqualities), else a bound.
    const count = node.labels.length;
    const beyond = count <= CASE_TESTS
      ? b.and(...node.labels.map((_, i) => b.ne(index, b.constant(BigInt(i), 32))))
      : b.not(b.ult(index, b.constant(BigInt(count), 32)));
    conditions.set(node.defaultLabel, [...(conditions.get(node.defaultLabel) ?? []), beyond]);
    for (const [name, conds] of conditions) {
      const guard = b.and(this.alive, b.or(...conds));
      if (guard !== b.false) this.target(name).exits.push({ guard, snap: this.snapshot(), values: v ? [v] : [] });
    }
    this.alive = b.false;
    return undefined;
  }

  /** A call into `callee` on this side (see calls.ts): its body on a fresh frame; what it returns. */
  inline(callee: IrFunction, args: readonly BV[]): BV | undefined {
    const b = this.build;
    const outer = this.frame;
    const widths = [...callee.params, ...callee.vars].map(widthOf);
    const locals = [...args, ...callee.vars.map((t) => b.constant(0n, widthOf(t)))];
    this.frame = { locals, widths, labels: [], returns: [], depth: outer.depth + 1, body: callee.body! };
    const value = this.exec(callee.body!);
    const results = callee.results.map(widthOf);
    const fall: Exit = { guard: this.alive, snap: this.snapshot(), values: value ? [value] : [] };
    const merged = mergeExits(b, [fall, ...this.frame.returns], results, this.snapshot());
    this.frame = outer;
    this.alive = merged.guard;
    this.env = merged.snap.env;
    return merged.values[0];
  }
}

export { widthOf };

/** Symbols made from wasm names: anything outside SMT's simple-symbol alphabet becomes its char code. */
export function symbolPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, (c) => `$${c.charCodeAt(0).toString(16)}`);
}
