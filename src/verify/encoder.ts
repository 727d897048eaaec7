import { signatureOf, type IrBr, type IrBrTable, type IrCall, type IrCallIndirect, type IrFunction, type IrIf, type IrLoop, type IrNode } from '../wasm/ir.js';
import type { ModuleContext } from './context.js';
import { INLINE_DEPTH_LIMIT } from './context.js';
import { floatBinary, floatUnary } from './encoder-float.js';
import { intBinary, intUnary } from './encoder-int.js';
import { type Env, type MemorySink, MemoryModel } from './encoder-memory.js';
import { Script, and, bvLit, bvSort, distinct, ite, not, or, symbolPart } from './smt.js';
import { type Value, literal, widthOf } from './values.js';

/**
 * Symbolic execution of one side of a function pair into SMT terms. Control flow is exact: every branch
 * records an exit (guard, state, value) on its target label and narrows the current path's guard; a label
 * merges its exits with if-then-else. Traps are exits too, with the state at the trap point.
 */

export class Unsupported extends Error {
  constructor(readonly reason: 'unsupported' | 'loop', readonly construct: string) {
    super(`${reason}: ${construct}`);
  }
}

interface Snapshot {
  env: Env;
  locals: string[];
}

interface Exit {
  guard: string;
  snap: Snapshot;
  values: Value[];
}

interface Label {
  name: string;
  exits: Exit[];
  /** Set on the label of a loop whose header is a cut point: branches to it are arrivals there. */
  loop?: number;
}

interface Frame {
  locals: string[];
  widths: number[];
  labels: Label[];
  returns: Exit[];
  depth: number;
}

export const WORLD_SORT = '(_ BitVec 64)';

export interface Probe {
  addr: string;
  bytes: string[];
}

/** The shared entry state and what both sides' encodings need to agree on. */
export interface SharedInputs {
  script: Script;
  /** Uninterpreted functions the encoding used (float operators, opaque calls, memory.grow). */
  approximations: Set<string>;
  memory: MemoryModel | null;
  /** Mutable globals in a fixed order (names). */
  globals: string[];
  globalWidths: number[];
  entry: Env;
  probes: Probe[];
}

export interface SideResult {
  /** Paths cut by a bounded unrolling (refutation queries only); false otherwise. */
  cut: string;
  /** The guard under which the code ends normally (fallthrough or return), its state and results. */
  normal: Exit;
  trapped: string;
  trapEnv: Env;
  /** Cut points reached (induction segments only): per loop id, the guard and state at its header. */
  arrivals: Map<number, Exit>;
}

const cloneEnv = (env: Env): Env => ({ ...env, globals: [...env.globals] });

export class SideEncoder implements MemorySink {
  alive = 'true';
  env: Env;
  readonly script: Script;
  private frame: Frame;
  private readonly traps: Array<{ guard: string; env: Env }> = [];
  private cut = 'false';
  /** Set only for refutation queries: loops run this many times, longer runs are cut (never a proof). */
  unroll = 0;
  /**
   * Set only for induction segments: every loop header is a cut point (loop node → its id). A path that
   * reaches one stops there and is recorded as an arrival, so a segment is loop-free.
   */
  cutPoints: Map<IrNode, number> | undefined;
  private readonly arrivals = new Map<number, Exit[]>();

  constructor(
    private readonly side: string,
    private readonly ctx: ModuleContext,
    private readonly shared: SharedInputs,
    locals: string[],
    widths: number[],
  ) {
    this.script = shared.script;
    this.env = cloneEnv(shared.entry);
    this.frame = { locals: [...locals], widths, labels: [], returns: [], depth: 0 };
  }

  value(width: number, expr: string, lit?: bigint): Value {
    if (lit !== undefined) return literal(lit, width);
    return { width, term: this.script.define(`${this.side}_v`, bvSort(width), expr) };
  }

  bool(expr: string): string {
    return this.script.define(`${this.side}_c`, 'Bool', expr);
  }

  trap(cond: string): void {
    const guard = this.bool(and(this.alive, cond));
    if (guard !== 'false') this.traps.push({ guard, env: cloneEnv(this.env) });
    this.alive = this.bool(and(this.alive, not(cond)));
  }

  approximate(what: string): void {
    this.shared.approximations.add(what);
  }

  probe(addr: string, count: number): void {
    const s = this.script;
    const memory = this.shared.memory!;
    const p = s.fresh(`${this.side}_pa`, memory.sizeSort);
    s.assert(`(= ${p} ${addr})`);
    const bytes: string[] = [];
    for (let k = 0; k < count; k++) {
      const b = s.fresh(`${this.side}_pb`, '(_ BitVec 8)');
      s.assert(`(= ${b} (select ${this.shared.entry.mem} ${memory.byteAddress(p, k)}))`);
      bytes.push(b);
    }
    this.shared.probes.push({ addr: p, bytes });
  }

  /** Runs `node` from the current state; the result is what the whole fragment does. */
  run(node: IrNode, resultTypes: string[]): SideResult {
    return this.finish(this.exec(node), resultTypes);
  }

  /**
   * An induction segment from a loop header: from the entry state and locals this encoder was made with, one
   * iteration of the loop at the end of `path` (the nodes from the function body down to that loop), then
   * the rest of the function. Branches back to this or an enclosing loop, and any other loop reached, are
   * arrivals at cut points.
   */
  runFromHeader(path: IrNode[], resultTypes: string[]): SideResult {
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
  private continueAfter(node: IrNode, child: IrNode, value: Value | undefined): Value | undefined {
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
        const set = value ?? literal(0n, this.frame.widths[node.local]!);
        this.frame.locals[node.local] = set.term;
        return node.tee ? set : undefined;
      }
      case 'drop':
        return undefined;
      default:
        throw new Unsupported('loop', `loop inside ${node.kind}`);
    }
  }

  private finish(value: Value | undefined, resultTypes: string[]): SideResult {
    const widths = resultTypes.map(widthOf);
    const values = value && widths.length > 0 ? [value] : widths.map((w) => literal(0n, w));
    const fallthrough: Exit = { guard: this.alive, snap: this.snapshot(), values };
    const normal = this.merge([fallthrough, ...this.frame.returns], widths);
    const trapped = this.bool(or(...this.traps.map((t) => t.guard)));
    const trapEnv = this.mergeEnvs(this.traps.map((t) => ({ guard: t.guard, snap: { env: t.env, locals: [] }, values: [] })));
    const arrivals = new Map([...this.arrivals].map(([id, exits]) => [id, this.merge(exits, [])]));
    return { normal, trapped, trapEnv, cut: this.cut, arrivals };
  }

  private arrive(id: number, exits: Exit[]): void {
    const list = this.arrivals.get(id) ?? [];
    list.push(...exits.filter((e) => e.guard !== 'false'));
    this.arrivals.set(id, list);
  }

  get locals(): string[] {
    return this.frame.locals;
  }

  private snapshot(): Snapshot {
    return { env: cloneEnv(this.env), locals: [...this.frame.locals] };
  }

  private chain(entries: Exit[], pick: (e: Exit) => string, sort: string): string {
    let acc = pick(entries[entries.length - 1]!);
    for (let i = entries.length - 2; i >= 0; i--) acc = ite(entries[i]!.guard, pick(entries[i]!), acc);
    return this.script.define(`${this.side}_j`, sort, acc);
  }

  private mergeEnvs(entries: Exit[]): Env {
    if (entries.length === 0) return cloneEnv(this.env);
    const memory = this.shared.memory;
    return {
      mem: memory ? this.chain(entries, (e) => e.snap.env.mem, memory.arraySort) : this.env.mem,
      size: memory ? this.chain(entries, (e) => e.snap.env.size, memory.sizeSort) : this.env.size,
      world: this.chain(entries, (e) => e.snap.env.world, WORLD_SORT),
      globals: this.shared.globalWidths.map((w, i) => this.chain(entries, (e) => e.snap.env.globals[i]!, bvSort(w))),
    };
  }

  /** Joins the entries of a label (or of the function's end) into one state under the disjunction of guards. */
  private merge(entries: Exit[], valueWidths: number[]): Exit {
    const live = entries.filter((e) => e.guard !== 'false');
    if (live.length === 0) {
      return { guard: 'false', snap: this.snapshot(), values: valueWidths.map((w) => literal(0n, w)) };
    }
    const guard = this.bool(or(...live.map((e) => e.guard)));
    const locals = this.frame.widths.map((w, i) => this.chain(live, (e) => e.snap.locals[i]!, bvSort(w)));
    const values = valueWidths.map((w, i) => ({ width: w, term: this.chain(live, (e) => e.values[i]!.term, bvSort(w)) }));
    return { guard, snap: { env: this.mergeEnvs(live), locals }, values };
  }

  private restore(exit: Exit): void {
    this.alive = exit.guard;
    this.env = exit.snap.env;
    this.frame.locals = exit.snap.locals;
  }

  private dead(type: string): Value | undefined {
    return type === 'none' || type === 'unreachable' ? undefined : literal(0n, widthOf(type));
  }

  private execValue(node: IrNode): Value {
    const value = this.exec(node);
    // A child of type unreachable leaves the path dead; its "value" is never observed.
    return value ?? literal(0n, 32);
  }

  private isTrue(v: Value): string {
    return `(not (= ${v.term} ${bvLit(0n, v.width)}))`;
  }

  exec(node: IrNode): Value | undefined {
    if (this.alive === 'false') return this.dead(node.type);
    switch (node.kind) {
      case 'nop':
        return undefined;
      case 'const': {
        if (node.value === 'nan') throw new Unsupported('unsupported', 'NaN constant (binaryen.js hides its payload)');
        if (node.type === 'v128') throw new Unsupported('unsupported', 'v128 constant');
        return literal(BigInt(node.value), widthOf(node.type));
      }
      case 'local.get':
        return { width: this.frame.widths[node.local]!, term: this.frame.locals[node.local]! };
      case 'local.set': {
        const v = this.execValue(node.value);
        this.frame.locals[node.local] = v.term;
        return node.tee ? v : undefined;
      }
      case 'global.get':
        return this.globalGet(node.global, widthOf(node.type));
      case 'global.set': {
        const v = this.execValue(node.value);
        const i = this.shared.globals.indexOf(node.global);
        if (i < 0) throw new Unsupported('unsupported', `global.set of ${node.global} (not a global of the base)`);
        this.env.globals[i] = v.term;
        return undefined;
      }
      case 'unary': {
        const v = this.execValue(node.value);
        const result = /Float|Reinterpret|ToFloat/.test(node.op) ? floatUnary(this, node.op, v) : intUnary(this, node.op, v);
        if (!result) throw new Unsupported('unsupported', `operator ${node.op}`);
        return result;
      }
      case 'binary': {
        const a = this.execValue(node.left);
        const b = this.execValue(node.right);
        const result = /Float/.test(node.op) ? floatBinary(this, node.op, a, b) : intBinary(this, node.op, a, b);
        if (!result) throw new Unsupported('unsupported', `operator ${node.op}`);
        return result;
      }
      case 'select': {
        const a = this.execValue(node.ifTrue);
        const b = this.execValue(node.ifFalse);
        const c = this.execValue(node.condition);
        return this.value(a.width, ite(this.isTrue(c), a.term, b.term));
      }
      case 'drop':
        this.exec(node.value);
        return undefined;
      case 'unreachable':
        this.trap('true');
        return undefined;
      case 'block':
        return this.block(node);
      case 'if':
        return this.ifElse(node);
      case 'loop': {
        const cutPoint = this.cutPoints?.get(node);
        if (cutPoint !== undefined) {
          this.arrive(cutPoint, [{ guard: this.alive, snap: this.snapshot(), values: [] }]);
          this.alive = 'false';
          return this.dead(node.type);
        }
        if (this.unroll === 0) throw new Unsupported('loop', `loop ${node.label ?? ''}`.trim());
        return this.unrolled(node);
      }
      case 'br':
        return this.br(node);
      case 'br_table':
        return this.brTable(node);
      case 'return': {
        const v = node.value ? this.exec(node.value) : undefined;
        if (this.alive !== 'false') this.frame.returns.push({ guard: this.alive, snap: this.snapshot(), values: v ? [v] : [] });
        this.alive = 'false';
        return undefined;
      }
      case 'call':
        return this.call(node);
      case 'call_indirect':
        return this.callIndirect(node);
      default:
        return this.memoryOp(node);
    }
  }

  private globalGet(name: string, width: number): Value {
    const i = this.shared.globals.indexOf(name);
    if (i >= 0) return { width, term: this.env.globals[i]! };
    const decl = this.ctx.globals.get(name);
    if (!decl) throw new Unsupported('unsupported', `global ${name} missing`);
    if (decl.mutable) throw new Unsupported('unsupported', `mutable global ${name} not in the base`);
    if (decl.init !== undefined && decl.init !== 'nan') return literal(BigInt(decl.init), width);
    // An imported or non-constant immutable global: the same unknown value on both sides.
    return { width, term: this.script.declare(`gi_${symbolPart(name)}`, bvSort(width)) };
  }

  private memoryModel(what: string): MemoryModel {
    if (!this.shared.memory) throw new Unsupported('unsupported', `${what} without a memory`);
    return this.shared.memory;
  }

  private memoryOp(node: IrNode): Value | undefined {
    switch (node.kind) {
      case 'load': {
        const ptr = this.execValue(node.ptr);
        return this.memoryModel('load').load(this, ptr, BigInt(node.offset), node.bytes, node.signed, widthOf(node.type));
      }
      case 'store': {
        const ptr = this.execValue(node.ptr);
        const v = this.execValue(node.value);
        this.memoryModel('store').store(this, ptr, BigInt(node.offset), node.bytes, v);
        return undefined;
      }
      case 'memory.size':
        return { width: this.memoryModel('memory.size').addrWidth, term: this.env.size };
      case 'memory.grow': {
        const delta = this.execValue(node.delta);
        this.shared.approximations.add('memory.grow');
        return this.memoryModel('memory.grow').grow(this, delta);
      }
      case 'memory.fill': {
        const dest = this.execValue(node.dest);
        const value = this.execValue(node.value);
        const size = this.execValue(node.size);
        this.memoryModel(node.kind).fill(this, dest, value, size);
        return undefined;
      }
      case 'memory.copy': {
        const dest = this.execValue(node.dest);
        const source = this.execValue(node.source);
        const size = this.execValue(node.size);
        this.memoryModel(node.kind).copy(this, dest, source, size);
        return undefined;
      }
      default:
        throw new Unsupported('unsupported', node.kind === 'unsupported' ? node.what : node.kind);
    }
  }

  private block(node: IrNode & { kind: 'block' }): Value | undefined {
    const label = this.openLabel(node);
    let last: Value | undefined;
    for (const kid of node.children) last = this.exec(kid);
    return this.closeLabel(node, label, last);
  }

  /** The label a block or a cut-point loop puts on the stack (none for other nodes). */
  private openLabel(node: IrNode): Label | undefined {
    const loop = node.kind === 'loop' ? this.cutPoints?.get(node) : undefined;
    if (node.kind !== 'block' && loop === undefined) return undefined;
    const name = node.kind === 'block' || node.kind === 'loop' ? node.label : null;
    if (!name && loop === undefined) return undefined;
    const label: Label = { name: name ?? '', exits: [], ...(loop !== undefined ? { loop } : {}) };
    this.frame.labels.push(label);
    return label;
  }

  /** Pops `label`: a block joins its exits with the fallthrough; a loop's exits are arrivals at its header. */
  private closeLabel(node: IrNode, label: Label | undefined, last: Value | undefined): Value | undefined {
    if (!label) return last;
    this.frame.labels.pop();
    if (label.loop !== undefined) {
      this.arrive(label.loop, label.exits);
      return last;
    }
    const widths = node.type === 'none' || node.type === 'unreachable' ? [] : [widthOf(node.type)];
    const fall: Exit = { guard: this.alive, snap: this.snapshot(), values: last ? [last] : widths.map((w) => literal(0n, w)) };
    const merged = this.merge([fall, ...label.exits], widths);
    this.restore(merged);
    return merged.values[0];
  }

  private ifElse(node: IrIf): Value | undefined {
    const { condition, ifTrue, ifFalse } = node;
    const c = this.isTrue(this.execValue(condition));
    const cond = this.bool(c);
    const before = { guard: this.alive, snap: this.snapshot(), values: [] };
    this.alive = this.bool(and(before.guard, cond));
    const thenValue = this.exec(ifTrue);
    const thenExit: Exit = { guard: this.alive, snap: this.snapshot(), values: thenValue ? [thenValue] : [] };
    this.restore({ ...before, snap: { env: cloneEnv(before.snap.env), locals: [...before.snap.locals] } });
    this.alive = this.bool(and(before.guard, not(cond)));
    const elseValue = ifFalse ? this.exec(ifFalse) : undefined;
    const elseExit: Exit = { guard: this.alive, snap: this.snapshot(), values: elseValue ? [elseValue] : [] };
    const widths = node.type === 'none' || node.type === 'unreachable' ? [] : [widthOf(node.type)];
    for (const exit of [thenExit, elseExit]) if (exit.values.length < widths.length) exit.values = widths.map((w) => literal(0n, w));
    const merged = this.merge([thenExit, elseExit], widths);
    this.restore(merged);
    return merged.values[0];
  }

  /**
   * Bounded unrolling, for refutation queries only: the paths still looping after `unroll` iterations are
   * cut, and the query asks for a difference on paths that were not cut on either side.
   */
  private unrolled(node: IrLoop): Value | undefined {
    const widths = node.type === 'none' || node.type === 'unreachable' ? [] : [widthOf(node.type)];
    const leaving: Exit[] = [];
    for (let iteration = 0; ; iteration++) {
      const label: Label = { name: node.label ?? '', exits: [] };
      this.frame.labels.push(label);
      const value = this.exec(node.body);
      this.frame.labels.pop();
      leaving.push({ guard: this.alive, snap: this.snapshot(), values: value ? [value] : widths.map((w) => literal(0n, w)) });
      const again = this.merge(label.exits, []);
      if (iteration === this.unroll || again.guard === 'false') {
        this.cut = this.bool(or(this.cut, again.guard));
        break;
      }
      this.restore(again);
    }
    const merged = this.merge(leaving, widths);
    this.restore(merged);
    return merged.values[0];
  }

  private target(name: string): Label {
    for (let i = this.frame.labels.length - 1; i >= 0; i--) if (this.frame.labels[i]!.name === name) return this.frame.labels[i]!;
    throw new Unsupported('loop', `branch to loop label ${name}`);
  }

  private br(node: IrBr): Value | undefined {
    const { value: valueNode, condition: conditionNode } = node;
    const v = valueNode ? this.exec(valueNode) : undefined;
    const c = conditionNode ? this.bool(this.isTrue(this.execValue(conditionNode))) : 'true';
    const guard = this.bool(and(this.alive, c));
    const label = this.target(node.label);
    if (guard !== 'false') label.exits.push({ guard, snap: this.snapshot(), values: v ? [v] : [] });
    this.alive = this.bool(and(this.alive, not(c)));
    return conditionNode ? v : undefined;
  }

  private brTable(node: IrBrTable): undefined {
    const v = node.value ? this.exec(node.value) : undefined;
    const index = this.execValue(node.index);
    const targets = node.labels;
    const conditions = new Map<string, string[]>();
    targets.forEach((name, i) => {
      const list = conditions.get(name) ?? [];
      list.push(`(= ${index.term} ${bvLit(BigInt(i), 32)})`);
      conditions.set(name, list);
    });
    const defaults = conditions.get(node.defaultLabel) ?? [];
    defaults.push(`(bvuge ${index.term} ${bvLit(BigInt(targets.length), 32)})`);
    conditions.set(node.defaultLabel, defaults);
    for (const [name, conds] of conditions) {
      const guard = this.bool(and(this.alive, or(...conds)));
      if (guard !== 'false') this.target(name).exits.push({ guard, snap: this.snapshot(), values: v ? [v] : [] });
    }
    this.alive = 'false';
    return undefined;
  }

  private call(node: IrCall): Value | undefined {
    const name = node.target;
    const callee = this.ctx.functions.get(name);
    if (!callee) throw new Unsupported('unsupported', `call to missing function ${name}`);
    const args = node.operands.map((kid) => this.execValue(kid));
    if (this.alive === 'false') return this.dead(node.type);
    const policy = this.ctx.policy(name);
    if (policy === 'inline' && this.frame.depth < INLINE_DEPTH_LIMIT) return this.inline(callee, args);
    if (policy === 'pure') {
      this.shared.approximations.add(`pure ${name}`);
      const fn = this.script.declareFun(`pure_${symbolPart(name)}`, args.map((a) => bvSort(a.width)), bvSort(widthOf(node.type)));
      return callee.results.length ? this.value(widthOf(node.type), `(${fn} ${args.map((a) => a.term).join(' ')})`) : undefined;
    }
    return this.transform(`call_${symbolPart(name)}`, args, callee.results);
  }

  private inline(callee: IrFunction, args: Value[]): Value | undefined {
    const outer = this.frame;
    const widths = [...callee.params, ...callee.vars].map(widthOf);
    const locals = [...args.map((a) => a.term), ...callee.vars.map((t) => bvLit(0n, widthOf(t)))];
    this.frame = { locals, widths, labels: [], returns: [], depth: outer.depth + 1 };
    const value = this.exec(callee.body!);
    const resultWidths = callee.results.map(widthOf);
    const fall: Exit = { guard: this.alive, snap: this.snapshot(), values: value ? [value] : resultWidths.map((w) => literal(0n, w)) };
    const merged = this.merge([fall, ...this.frame.returns], resultWidths);
    this.frame = outer;
    this.alive = merged.guard;
    this.env = merged.snap.env;
    return merged.values[0];
  }

  private callIndirect(node: IrCallIndirect): Value | undefined {
    const operands = node.operands.map((kid) => this.execValue(kid));
    const index = this.execValue(node.target);
    if (this.alive === 'false') return this.dead(node.type);
    // Null slot, out-of-range index and signature mismatch are folded into the transformer's trap output,
    // which depends on the index and the signature exactly as the real table does.
    return this.transform(`ci_${symbolPart(node.table)}_${symbolPart(signatureOf(node))}`, [index, ...operands], node.results);
  }

  /**
   * A call the encoder does not look into: uninterpreted functions of (arguments, memory, size, globals,
   * world) give the results, the new state and whether it trapped. Threading the world keeps two calls apart.
   */
  private transform(id: string, args: Value[], results: string[]): Value | undefined {
    const memory = this.shared.memory;
    const inputs = [...args.map((a) => a.term), this.env.mem, this.env.size, ...this.env.globals, this.env.world].filter(Boolean);
    const sorts = [
      ...args.map((a) => bvSort(a.width)),
      ...(memory ? [memory.arraySort, memory.sizeSort] : []),
      ...this.shared.globalWidths.map(bvSort),
      WORLD_SORT,
    ];
    const sig = sorts.length;
    this.shared.approximations.add(id);
    const apply = (output: string, sort: string) =>
      `(${this.script.declareFun(`${id}_${sig}_${output}`, sorts, sort)} ${inputs.join(' ')})`;
    const values = results.map((t, i) => this.value(widthOf(t), apply(`r${i}`, bvSort(widthOf(t)))));
    const trapped = apply('trap', 'Bool');
    const next: Env = {
      mem: memory ? this.script.define('m', memory.arraySort, apply('mem', memory.arraySort)) : this.env.mem,
      size: memory ? this.value(memory.addrWidth, apply('size', memory.sizeSort)).term : this.env.size,
      world: this.script.define('w', WORLD_SORT, apply('world', WORLD_SORT)),
      globals: this.shared.globalWidths.map((w, i) => this.value(w, apply(`g${i}`, bvSort(w))).term),
    };
    this.env = next;
    this.trap(trapped);
    return values[0];
  }
}

/** The shared entry state: declared once, read by both sides under the same names. */
export function sharedInputs(base: ModuleContext): SharedInputs {
  const script = new Script();
  const memory = base.module.memory ? new MemoryModel(base.module.memory) : null;
  const mutable = base.module.globals.filter((g) => g.mutable);
  const globals = mutable.map((g) => g.name);
  const globalWidths = mutable.map((g) => widthOf(g.type));
  const entry: Env = {
    mem: memory ? script.declare('mem0', memory.arraySort) : '',
    size: memory ? script.declare('size0', memory.sizeSort) : '',
    world: script.declare('world0', WORLD_SORT),
    globals: mutable.map((g, i) => script.declare(`g${i}`, bvSort(globalWidths[i]!))),
  };
  if (memory) script.assert(memory.sizePrecondition(entry.size));
  return { script, memory, globals, globalWidths, entry, probes: [], approximations: new Set() };
}

export function envDiffers(shared: SharedInputs, a: Env, b: Env): string[] {
  const parts = [distinct(a.world, b.world), ...a.globals.map((g, i) => distinct(g, b.globals[i]!))];
  if (shared.memory) parts.push(distinct(a.mem, b.mem), distinct(a.size, b.size));
  return parts;
}

/**
 * The negated equivalence of two fragments' outcomes: sat means some entry state tells them apart.
 * `extra` lists further pairs of terms that must agree on normal exit (e.g. locals of a fragment).
 */
export function assertDifference(shared: SharedInputs, a: SideResult, b: SideResult, extra: Array<[string, string]> = []): void {
  const normal = or(
    ...a.normal.values.map((v, i) => distinct(v.term, b.normal.values[i]!.term)),
    ...envDiffers(shared, a.normal.snap.env, b.normal.snap.env),
    ...extra.map(([x, y]) => distinct(x, y)),
  );
  const trap = or(...envDiffers(shared, a.trapEnv, b.trapEnv));
  shared.script.assert(and(not(a.cut), not(b.cut)));
  shared.script.assert(or(
    distinct(a.trapped, b.trapped),
    and(not(a.trapped), normal),
    and(a.trapped, trap),
  ));
}

export interface EncodedQuery {
  smt: string;
  params: string[];
  paramTypes: string[];
  shared: SharedInputs;
}

/** The query for a whole function pair: params and entry state shared, locals zero-initialised. */
export function encodeFunctionPair(base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext, unroll = 0): EncodedQuery {
  const shared = sharedInputs(baseCtx);
  const params = base.params.map((t, i) => shared.script.declare(`p${i}`, bvSort(widthOf(t))));
  const side = (fn: IrFunction, ctx: ModuleContext, prefix: string) => {
    const widths = [...fn.params, ...fn.vars].map(widthOf);
    const locals = [...params, ...fn.vars.map((t) => bvLit(0n, widthOf(t)))];
    const encoder = new SideEncoder(prefix, ctx, shared, locals, widths);
    encoder.unroll = unroll;
    return encoder.run(fn.body!, fn.results);
  };
  const a = side(base, baseCtx, 'a');
  const b = side(candidate, candidateCtx, 'b');
  assertDifference(shared, a, b);
  return { smt: `${shared.script.text()}(check-sat)\n`, params, paramTypes: base.params, shared };
}
