import type binaryenNs from 'binaryen';
import { expressionEdit, type Access, type ExpressionEdit } from '../../wasm/expression-edit.js';

type Binaryen = typeof binaryenNs;
type ExpressionRef = number;

/**
 * forward-stores: a load of the bytes a store wrote, with nothing between that may have written them since,
 * reads the stored value. The store keeps storing (memory stays as it was: a caller or the host may read it)
 * but its value also goes into a fresh local (`local.tee`), and the load becomes a `local.get` of it. A load
 * of bytes an earlier load read, with nothing between that may have written them, reads that load's value
 * the same way.
 *
 * Unoptimized C (clang -O0) keeps every variable in a frame in linear memory and reloads it at each use;
 * binaryen has no store-to-load forwarding for linear memory, so after `-Oz` those loads stay (sqlite at -O0:
 * ~14,000 loads of a slot its function just stored). A load through the frame pointer is 5–6 bytes, a
 * `local.get` 2.
 *
 * When a value is known at a load: both accesses address the same local (not set in between) with the same
 * constant offset and move a whole value of the same type, and every path to the load passed that store (or
 * earlier load) with nothing after it that may write those bytes: no call, no store through another local or
 * computed address, no bulk memory or atomic operation, no store that overlaps. Where paths meet (after an
 * `if`, at the end of a block branches go to) what every path knows stays; a loop's head, which its back
 * edges reach, knows nothing, and what an iteration learned is forgotten where the loop is left. The same
 * bytes were accessed before, so the load cannot trap.
 *
 * The module must have one memory (with several, a store to one could not be told from a load of another).
 */
export function forwardStores(binaryen: Binaryen, module: binaryenNs.Module, functions?: readonly string[]): void {
  if ((module.getFeatures() & binaryen.Features.MultiMemory) !== 0) return;
  const names = functions ?? allDefinedFunctions(binaryen, module);
  for (const name of names) {
    const func = module.getFunction(name);
    const info = binaryen.getFunctionInfo(func);
    if (!info.body) continue;
    new Forwarding(binaryen, module, func).run(info.body);
  }
}

function allDefinedFunctions(binaryen: Binaryen, module: binaryenNs.Module): string[] {
  const names: string[] = [];
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (!info.module) names.push(info.name);
  }
  return names;
}

/**
 * A value known to be in memory at `offset` from local `base`, `bytes` long: what a store wrote, or what a load
 * read (a later load of the same bytes reads it again).
 */
interface Stored {
  source: ExpressionRef;
  base: number;
  offset: number;
  bytes: number;
  /** For a load: how to put an expression in its place (it is wrapped in a `local.tee` when read again). */
  wrap?: Replace;
  /** How many loops enclose the store or load: what one iteration knows is forgotten where the loop is left. */
  loops: number;
}

/** What is known at one point: values in memory by (base, offset, bytes, type). */
type Known = Map<string, Stored>;

/** A child slot of an expression: how to put another expression there. */
type Replace = (expr: ExpressionRef) => void;

/** Nesting beyond this is left as it is (the walk recurses; binaryen's IR nests blocks thousands deep). */
const MAX_DEPTH = 1000;

const NOTHING: Known = new Map();
/** After a branch, return or trap: no path goes on from here (what both arms know is the other arm's). */
const UNREACHED: Known = new Map();

/** A label in scope: a block's (branches to it go to its end) or a loop's (back to its head). */
interface Scope {
  name: string;
  loop: boolean;
  /** How many loops enclose the label. */
  loops: number;
  /** What every branch to a block's end taken so far knows (absent: none taken). */
  branches?: Known;
}

class Forwarding {
  /** Loads to rewrite, each with the store or load whose value it reads and how to replace it in its parent. */
  private readonly forwarded: Array<{ source: Stored; replace: Replace; type: number }> = [];
  private readonly edit: ExpressionEdit;
  /** How often each local has been set so far in the walk. */
  private readonly sets = new Map<number, number>();
  /** Labels in scope, innermost last. */
  private readonly scopes: Scope[] = [];
  /** How many loops enclose the expression the walk is at. */
  private loops = 0;

  constructor(
    private readonly b: Binaryen,
    private readonly module: binaryenNs.Module,
    private readonly func: binaryenNs.FunctionRef,
  ) {
    this.edit = expressionEdit(b);
  }

  run(body: ExpressionRef): void {
    this.walk(body, NOTHING, 0, (e) => this.edit.Function.setBody(this.func, e));
    if (this.forwarded.length === 0) return;
    const { edit, module } = this;
    const locals = new Map<ExpressionRef, { local: number; source: Stored; type: number }>();
    for (const { source, type } of this.forwarded) {
      if (!locals.has(source.source)) locals.set(source.source, { local: edit._BinaryenFunctionAddVar(this.func as unknown as number, type), source, type });
    }
    // Each rewrite reads its slot's expression as the rewrites before it left it: the loads read again first,
    // then the loads they read (one may be a store's value), then the stores.
    for (const { source, replace, type } of this.forwarded) replace(module.local.get(locals.get(source.source)!.local, type));
    for (const { local, source, type } of locals.values()) if (source.wrap) source.wrap(module.local.tee(local, source.source, type));
    for (const { local, source, type } of locals.values()) {
      if (!source.wrap) edit.Store.setValue(source.source, module.local.tee(local, edit.Store.getValue(source.source), type));
    }
  }

  /** Visits `expr` in evaluation order with what is known before it; returns what is known after it. */
  private walk(expr: ExpressionRef, known: Known, depth: number, replace: Replace): Known {
    const b = this.b;
    const edit = this.edit;
    const id = b.getExpressionId(expr);
    const next = depth + 1;
    const child = (e: ExpressionRef, k: Known, set: Replace): Known => (e ? this.walk(e, k, next, set) : k);
    if (known === UNREACHED) return UNREACHED; // dead code: nothing there runs, nothing to rewrite
    if (depth > MAX_DEPTH) return this.opaque();
    switch (id) {
      case b.NopId:
      case b.LocalGetId:
      case b.ConstId:
      case b.GlobalGetId:
        return known;
      case b.UnreachableId:
        return UNREACHED;
      case b.BlockId: {
        const name = edit.Block.getName(expr);
        if (name) this.scopes.push({ name, loop: false, loops: this.loops });
        const n = edit.Block.getNumChildren(expr);
        for (let i = 0; i < n; i++) known = child(edit.Block.getChildAt(expr, i), known, (e) => edit.Block.setChildAt(expr, i, e));
        if (!name) return known;
        const { branches } = this.scopes.pop()!;
        return branches ? both(known, branches) : known;
      }
      case b.LoopId: {
        // Branches to the head come back with what the body changed: the head knows nothing. Values one
        // iteration stored or loaded are not used past the loop (the checker relates loops iteration by
        // iteration; a value from the last one it cannot name).
        const name = edit.Loop.getName(expr);
        if (name) this.scopes.push({ name, loop: true, loops: this.loops });
        this.loops++;
        known = child(edit.Loop.getBody(expr), NOTHING, (e) => edit.Loop.setBody(expr, e));
        this.loops--;
        if (name) this.scopes.pop();
        return this.leaving(known, this.loops);
      }
      case b.IfId: {
        known = child(edit.If.getCondition(expr), known, (e) => edit.If.setCondition(expr, e));
        const yes = child(edit.If.getIfTrue(expr), known, (e) => edit.If.setIfTrue(expr, e));
        const no = child(edit.If.getIfFalse(expr), known, (e) => edit.If.setIfFalse(expr, e));
        return both(yes, no);
      }
      case b.BreakId: {
        known = child(edit.Break.getValue(expr), known, (e) => edit.Break.setValue(expr, e));
        const condition = edit.Break.getCondition(expr);
        known = child(condition, known, (e) => edit.Break.setCondition(expr, e));
        this.branch(edit.Break.getName(expr), known);
        return condition ? known : UNREACHED;
      }
      case b.SwitchId: {
        known = child(edit.Switch.getValue(expr), known, (e) => edit.Switch.setValue(expr, e));
        known = child(edit.Switch.getCondition(expr), known, (e) => edit.Switch.setCondition(expr, e));
        for (let i = 0; i < edit.Switch.getNumNames(expr); i++) this.branch(edit.Switch.getNameAt(expr, i), known);
        this.branch(edit.Switch.getDefaultName(expr), known);
        return UNREACHED;
      }
      case b.ReturnId:
        child(edit.Return.getValue(expr), known, (e) => edit.Return.setValue(expr, e));
        return UNREACHED;
      case b.LocalSetId: {
        known = child(edit.LocalSet.getValue(expr), known, (e) => edit.LocalSet.setValue(expr, e));
        const index = edit.LocalSet.getIndex(expr);
        this.sets.set(index, (this.sets.get(index) ?? 0) + 1);
        return without(known, (s) => s.base === index);
      }
      case b.GlobalSetId:
        return child(edit.GlobalSet.getValue(expr), known, (e) => edit.GlobalSet.setValue(expr, e));
      case b.DropId:
        return child(edit.Drop.getValue(expr), known, (e) => edit.Drop.setValue(expr, e));
      case b.UnaryId:
        return child(edit.Unary.getValue(expr), known, (e) => edit.Unary.setValue(expr, e));
      case b.BinaryId:
        known = child(edit.Binary.getLeft(expr), known, (e) => edit.Binary.setLeft(expr, e));
        return child(edit.Binary.getRight(expr), known, (e) => edit.Binary.setRight(expr, e));
      case b.SelectId:
        known = child(edit.Select.getIfTrue(expr), known, (e) => edit.Select.setIfTrue(expr, e));
        known = child(edit.Select.getIfFalse(expr), known, (e) => edit.Select.setIfFalse(expr, e));
        return child(edit.Select.getCondition(expr), known, (e) => edit.Select.setCondition(expr, e));
      case b.CallId: {
        // The callee may write any memory; its operands still run first.
        const n = edit.Call.getNumOperands(expr);
        for (let i = 0; i < n; i++) known = child(edit.Call.getOperandAt(expr, i), known, (e) => edit.Call.setOperandAt(expr, i, e));
        return NOTHING;
      }
      case b.CallIndirectId: {
        const n = edit.CallIndirect.getNumOperands(expr);
        for (let i = 0; i < n; i++) known = child(edit.CallIndirect.getOperandAt(expr, i), known, (e) => edit.CallIndirect.setOperandAt(expr, i, e));
        child(edit.CallIndirect.getTarget(expr), known, (e) => edit.CallIndirect.setTarget(expr, e));
        return NOTHING;
      }
      case b.LoadId:
        return this.load(expr, child(edit.Load.getPtr(expr), known, (e) => edit.Load.setPtr(expr, e)), replace);
      case b.StoreId: {
        known = child(edit.Store.getPtr(expr), known, (e) => edit.Store.setPtr(expr, e));
        const base = this.localBase(edit.Store.getPtr(expr));
        const sets = base === undefined ? 0 : this.sets.get(base);
        known = child(edit.Store.getValue(expr), known, (e) => edit.Store.setValue(expr, e));
        // The address was read before the value set its local again: the store wrote where the local no longer points.
        if (base !== undefined && this.sets.get(base) !== sets) return NOTHING;
        return this.store(expr, known);
      }
      default:
        return this.opaque();
    }
  }

  /**
   * Anything the walk does not look into (bulk memory, atomics, SIMD lanes, exceptions, …, or nesting too
   * deep): it may write memory, its loads stay as they are, and a branch inside it may reach any label in scope.
   */
  private opaque(): Known {
    for (const scope of this.scopes) scope.branches = NOTHING;
    return NOTHING;
  }

  /** A branch to `name` taken with `known`: a block's end learns what every branch to it knows. */
  private branch(name: string, known: Known): void {
    if (known === UNREACHED) return;
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const scope = this.scopes[i]!;
      if (scope.name !== name) continue;
      if (scope.loop) return;
      const taken = this.leaving(known, scope.loops);
      scope.branches = scope.branches ? both(scope.branches, taken) : taken;
      return;
    }
  }

  /** What is known where the walk goes out to `loops` enclosing loops: nothing from the loops it leaves. */
  private leaving(known: Known, loops: number): Known {
    return without(known, (s) => s.loops > loops);
  }

  private load(expr: ExpressionRef, known: Known, replace: Replace): Known {
    // An atomic load may synchronize with another thread's writes, which later loads must then see.
    if (this.edit.Load.isAtomic(expr)) return NOTHING;
    const type = this.b.getExpressionType(expr);
    const slot = this.slot(this.edit.Load, expr, type);
    if (!slot) return known;
    const source = known.get(slot.key);
    if (source) {
      this.forwarded.push({ source, replace, type });
      return known;
    }
    const result = new Map(known);
    result.set(slot.key, { source: expr, base: slot.base, offset: slot.offset, bytes: slot.bytes, wrap: replace, loops: this.loops });
    return result;
  }

  private store(expr: ExpressionRef, known: Known): Known {
    const edit = this.edit;
    const type = edit.Store.getValueType(expr);
    const atomic = edit.Store.isAtomic(expr);
    const slot = atomic ? undefined : this.slot(edit.Store, expr, type);
    if (!slot) {
      // Through a computed address (or a partial or atomic store): unless it is through a local, it may
      // write anything; a partial store through a local only its own bytes.
      const base = this.localBase(edit.Store.getPtr(expr));
      if (base === undefined || atomic) return NOTHING;
      return this.afterStore(known, base, edit.Store.getOffset(expr), edit.Store.getBytes(expr));
    }
    const after = this.afterStore(known, slot.base, slot.offset, slot.bytes);
    const result = new Map(after);
    result.set(slot.key, { source: expr, base: slot.base, offset: slot.offset, bytes: slot.bytes, loops: this.loops });
    return result;
  }

  /** What survives a store of `bytes` at `offset` from local `base`: other bytes of that base only. */
  private afterStore(known: Known, base: number, offset: number, bytes: number): Known {
    return without(known, (s) => s.base !== base || (s.offset < offset + bytes && offset < s.offset + s.bytes));
  }

  /** The slot a whole-value access through `local.get` + offset names (`access`: the Load or Store accessors). */
  private slot(access: Access, expr: ExpressionRef, type: number): { key: string; base: number; offset: number; bytes: number } | undefined {
    const bytes = access.getBytes(expr);
    if (bytes !== naturalSize(this.b, type)) return undefined;
    const base = this.localBase(access.getPtr(expr));
    if (base === undefined) return undefined;
    const offset = access.getOffset(expr);
    return { key: `${base}:${offset}:${bytes}:${type}`, base, offset, bytes };
  }

  private localBase(ptr: ExpressionRef): number | undefined {
    return this.b.getExpressionId(ptr) === this.b.LocalGetId ? this.edit.LocalGet.getIndex(ptr) : undefined;
  }
}

function naturalSize(b: Binaryen, type: number): number | undefined {
  if (type === b.i32 || type === b.f32) return 4;
  if (type === b.i64 || type === b.f64) return 8;
  if (type === b.v128) return 16;
  return undefined;
}

function without(known: Known, drop: (s: Stored) => boolean): Known {
  let result: Known | undefined;
  for (const [key, stored] of known) {
    if (!drop(stored)) continue;
    result ??= new Map(known);
    result.delete(key);
  }
  return result ?? known;
}

/** What two paths that meet both know (the same store or load for the same slot). */
function both(a: Known, b: Known): Known {
  if (a === b || b === UNREACHED) return a;
  if (a === UNREACHED) return b;
  const result: Known = new Map();
  for (const [key, stored] of a) if (b.get(key)?.source === stored.source) result.set(key, stored);
  return result;
}

