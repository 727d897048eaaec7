import { align } from './matching.js';
import { childrenOf, forEachNode, mapChildren, signatureOf, type IrConst, type IrFunction, type IrModule, type IrNode, type IrType } from '../wasm/ir.js';

/**
 * The rule that relates a new signature to the old (dead-argument elimination and its kin): a function `f`
 * lost parameters, or its result, and every caller was changed to match. Nothing outside the module can
 * call `f` (not exported, not in a table, not the start: checked at module level), so its only callers are
 * the module's own, all of which the pass rewrote.
 *
 * A removed parameter is either *pinned*: every call before the pass passed the same constant (or a pinned
 * parameter of its own caller: pinnedParameters), and `f'` may compute with that constant; or *unused*: `f'`
 * ignores it. A removed result was dropped by every caller.
 * Both sides are then compared with the old signature, in the module before the pass:
 * - `f` itself: `pinned(f)` — f with each pinned parameter set to its constant on entry, and its result
 *   dropped if removed — against `widened(f')` — f' read with the old parameters (each kept parameter at its
 *   old index; removed ones present but unread) and every call in it translated back (below). Proved equal,
 *   f' computes what f does on every call the module makes (those pass the constants), and f does not read
 *   an unused parameter, so its argument may be anything.
 * - each caller `g`: `g` with the arguments it passed for unused parameters evaluated and dropped, then a
 *   zero passed instead (equal behaviour: f does not read them, as the check of f proved), against `g'` with
 *   every call to a changed function translated back: the constants (or zeros) inserted where parameters
 *   were removed, the result dropped where it was removed. Both then call the old `f` of the pre-pass module.
 * All of a signature change's functions stay or go together (decide.ts).
 */
export interface SignatureChange {
  name: string;
  /** For each parameter of the new signature, its index in the old one. */
  kept: number[];
  /** Removed old parameters: index → the constant every call passed (pinned), or null (unused). */
  removed: Map<number, IrConst | null>;
  resultRemoved: boolean;
  before: IrFunction;
  after: IrFunction;
}

/** Signature changes of `changed` functions between `pre` and `post`, or why one has no rule. */
export function signatureChanges(pre: IrModule, post: IrModule, changed: readonly string[]): { changes: Map<string, SignatureChange>; unexplained: Map<string, string> } {
  const before = new Map(pre.functions.map((f) => [f.name, f]));
  const after = new Map(post.functions.map((f) => [f.name, f]));
  const shapes: Shape[] = [];
  const unexplained = new Map<string, string>();
  for (const name of changed) {
    const a = before.get(name)!;
    const b = after.get(name)!;
    if (signatureOf(a) === signatureOf(b)) continue;
    const shape = shapeOf(a, b, pre);
    if (typeof shape === 'string') unexplained.set(name, shape);
    else shapes.push(shape);
  }
  const pins = pinnedParameters(shapes, before);
  const changes = new Map<string, SignatureChange>();
  for (const { a, b, kept, resultRemoved } of shapes) {
    const removed = new Map<number, IrConst | null>();
    a.params.forEach((_, i) => kept.includes(i) || removed.set(i, pins.get(parameterKey(a.name, i)) ?? null));
    changes.set(a.name, { name: a.name, kept, removed, resultRemoved, before: a, after: b });
  }
  return { changes, unexplained };
}

/** A signature change before its removed parameters are known to be pinned or unused. */
interface Shape {
  a: IrFunction;
  b: IrFunction;
  kept: number[];
  resultRemoved: boolean;
  calls: CallSite[];
}

function shapeOf(a: IrFunction, b: IrFunction, pre: IrModule): Shape | string {
  if (a.imported || b.imported) return 'an import changed its signature';
  const resultRemoved = a.results.length > 0 && b.results.length === 0;
  if (!resultRemoved && a.results.join() !== b.results.join()) return `its results changed from (${a.results}) to (${b.results})`;
  const calls = callsTo(a.name, pre);
  const kept = keptParameters(a, b, calls);
  if (!kept) return `its parameters (${b.params}) are not a subsequence of (${a.params})`;
  if (resultRemoved && calls.some((call) => !call.dropped)) return 'its result was removed although a call used it';
  return { a, b, kept, resultRemoved, calls };
}

const parameterKey = (fn: string, index: number) => `${index}:${fn}`;

/**
 * The constant each removed parameter is pinned to (absent: unused). Every call passes the same constant, or
 * passes a removed parameter of its own caller that the caller never writes and that is pinned to that
 * constant: dead-argument elimination carries a constant down a chain of calls in one run (`g(…, 1)` calls
 * `f(…, p)`: both lose the parameter, and f' uses 1). The pins are the largest consistent assignment: start
 * from the constants passed directly and withdraw every pin a call contradicts (another constant, anything
 * that is not a constant or such a parameter, a parameter pinned otherwise or not at all) until none does.
 * Sound by induction on the call stack: nothing outside the module calls a function whose signature changed
 * (checked at module level), and every call inside passes the constant or a parameter that holds it.
 */
function pinnedParameters(shapes: readonly Shape[], functions: ReadonlyMap<string, IrFunction>): Map<string, IrConst> {
  type Source = { constant: IrConst } | { forwards: string } | 'other';
  const removedBy = new Map(shapes.map((s) => [s.a.name, s]));
  const isRemoved = (fn: string, index: number) => {
    const shape = removedBy.get(fn);
    return shape !== undefined && index < shape.a.params.length && !shape.kept.includes(index);
  };
  const sourceOf = (arg: IrNode | undefined, caller: string): Source => {
    if (arg?.kind === 'const') return { constant: arg };
    if (arg?.kind === 'local.get' && isRemoved(caller, arg.local) && !writesLocal(functions.get(caller)!, arg.local)) {
      return { forwards: parameterKey(caller, arg.local) };
    }
    return 'other';
  };
  const sources = new Map<string, Source[]>();
  for (const shape of shapes) {
    shape.a.params.forEach((_, i) => {
      if (!shape.kept.includes(i)) sources.set(parameterKey(shape.a.name, i), shape.calls.map((call) => sourceOf(call.operands[i], call.caller)));
    });
  }
  // undefined: no constant reaches it yet; null: not pinned.
  const pins = new Map<string, IrConst | null | undefined>();
  const same = (x: IrConst, y: IrConst) => x.type === y.type && x.value === y.value;
  /** What one source says of `key`'s pin: it becomes that constant, stays, or is withdrawn. True when it moved. */
  const meet = (key: string, constant: IrConst | null | undefined): boolean => {
    const now = pins.get(key);
    if (now === null || constant === undefined) return false;
    if (constant !== null && now !== undefined && same(now, constant)) return false;
    pins.set(key, constant === null || now !== undefined ? null : constant);
    return true;
  };
  for (const [key, list] of sources) {
    pins.set(key, list.length === 0 ? null : undefined);
    for (const source of list) meet(key, source === 'other' ? null : 'constant' in source ? source.constant : undefined);
  }
  const settle = () => {
    for (let moved = true; moved;) {
      moved = false;
      for (const [key, list] of sources) {
        for (const source of list) if (typeof source === 'object' && 'forwards' in source) moved = meet(key, pins.get(source.forwards)) || moved;
      }
    }
  };
  settle();
  // A cycle of forwarded parameters that no constant enters is not pinned; what forwards it loses its pin too.
  for (const [key, value] of pins) if (value === undefined) pins.set(key, null);
  settle();
  const pinned = new Map<string, IrConst>();
  for (const [key, value] of pins) if (value) pinned.set(key, value);
  return pinned;
}

function writesLocal(fn: IrFunction, local: number): boolean {
  let writes = false;
  forEachNode(fn.body, (n) => {
    if (n.kind === 'local.set' && n.local === local) writes = true;
  });
  return writes;
}

/**
 * Which old parameters the new list keeps: a subsequence by type, and when several fit, one whose removed
 * parameters could each have been removed — their incoming value never read by the old body, or a constant or
 * a caller's parameter at every call — (any fit when none is such) with the fewest removed whose value the old
 * body reads. `(i32 unused, i32 n)` → `(i32 n)` keeps the second; the first fit by type alone would read n where
 * the old body read the unused one, and the rule's check would fail on it. Between fits that tie, the one
 * under which most of the new body's local accesses line up with the old body's (their longest common
 * subsequence, as the matching of unnamed modules aligns calls): a parameter the old body reads only to pass
 * it on to a parameter a callee lost is as removable as an unused one (gofmt's `(go/scanner.Error).Error`
 * lost its fourth of eight i32s so, and the first tie, the eighth, failed the check).
 * Only which check runs depends on this choice, never whether a wrong change passes it.
 */
function keptParameters(a: IrFunction, b: IrFunction, calls: readonly CallSite[]): number[] | undefined {
  const old = a.params;
  const now = b.params;
  const read = new Set(old.map((_, i) => i).filter((i) => a.body !== null && readBeforeWritten(a.body, i) === 'read'));
  const removable = (i: number) => !read.has(i) || calls.every((call) => call.operands[i]?.kind === 'const' || call.operands[i]?.kind === 'local.get');
  const fits: number[][] = [];
  const extend = (kept: number[], from: number): void => {
    if (fits.length >= MAX_FITS) return;
    if (kept.length === now.length) {
      fits.push(kept);
      return;
    }
    for (let i = from; i <= old.length - (now.length - kept.length); i++) if (old[i] === now[kept.length]) extend([...kept, i], i + 1);
  };
  extend([], 0);
  // Fewest removed parameters that the old body reads (those only a constant at every call explains).
  const readRemoved = (kept: number[]) => old.filter((_, i) => !kept.includes(i) && read.has(i)).length;
  const explained = fits.filter((kept) => old.every((_, i) => kept.includes(i) || removable(i)));
  const candidates = explained.length > 0 ? explained : fits;
  const fewest = Math.min(...candidates.map(readRemoved));
  const ties = candidates.filter((kept) => readRemoved(kept) === fewest);
  if (ties.length <= 1) return ties[0];
  const before = localSequence(a);
  const after = localSequence(b);
  const aligned = ties.map((kept) => {
    const toOld = oldLocal(kept, old.length);
    return align(before, after, (x, y) => x === toOld(y)).length;
  });
  return ties[aligned.indexOf(Math.max(...aligned))];
}

/** The locals `fn`'s body reads and writes, in the order the body names them. */
function localSequence(fn: IrFunction): number[] {
  const locals: number[] = [];
  forEachNode(fn.body, (n) => {
    if (n.kind === 'local.get' || n.kind === 'local.set') locals.push(n.local);
  });
  return locals;
}

/**
 * Where a local of the new function sits in the old numbering: parameter i at its old index `kept[i]`, the
 * locals after the parameters after all the old parameters.
 */
const oldLocal = (kept: readonly number[], oldCount: number) => (local: number) => (local < kept.length ? kept[local]! : oldCount + (local - kept.length));

/** Ways to keep a parameter list looked at before the first is taken (a bound, not a limit any module meets). */
const MAX_FITS = 256;

/**
 * Whether `node` may read `local` before writing it ('read'), writes it on every way through before any read
 * ('written'), or neither: whether a parameter's incoming value can matter (dead-argument elimination removes
 * one whose value is overwritten first). Conservative where control flow joins: a write inside a loop, a
 * labelled block (a branch may leave before it) or one arm of an `if` does not count as written.
 */
function readBeforeWritten(node: IrNode, local: number): 'read' | 'written' | 'neither' {
  if (node.kind === 'local.get') return node.local === local ? 'read' : 'neither';
  if (node.kind === 'if') {
    const condition = readBeforeWritten(node.condition, local);
    if (condition !== 'neither') return condition;
    const arms = [node.ifTrue, node.ifFalse].map((arm) => (arm ? readBeforeWritten(arm, local) : 'neither'));
    return arms.includes('read') ? 'read' : arms.every((arm) => arm === 'written') ? 'written' : 'neither';
  }
  const parts = node.kind === 'local.set' ? [node.value] : childrenOf(node);
  for (const part of parts) {
    const found = readBeforeWritten(part, local);
    if (found === 'read') return 'read';
    if (found === 'written') return node.kind === 'loop' || (node.kind === 'block' && node.label !== null) ? 'neither' : 'written';
  }
  return node.kind === 'local.set' && node.local === local ? 'written' : 'neither';
}

interface CallSite {
  /** The function the call is in. */
  caller: string;
  operands: IrNode[];
  /** The call's value is dropped right away. */
  dropped: boolean;
}

function callsTo(name: string, module: IrModule): CallSite[] {
  const sites: CallSite[] = [];
  for (const fn of module.functions) {
    const dropped = new Set<IrNode>();
    forEachNode(fn.body, (n) => {
      if (n.kind === 'drop' && n.value.kind === 'call' && n.value.target === name) dropped.add(n.value);
      if (n.kind === 'call' && n.target === name) sites.push({ caller: fn.name, operands: n.operands, dropped: dropped.has(n) });
    });
  }
  return sites;
}

const zero = (type: IrType): IrNode => ({ kind: 'const', type, value: '0' });

/** `node` rewritten bottom-up by `rewrite` (children first). */
export function rewriteTree(node: IrNode, rewrite: (node: IrNode) => IrNode): IrNode {
  return rewrite(mapChildren(node, (child) => rewriteTree(child, rewrite)));
}

/** Calls to changed functions, as written after the pass, translated to the old signatures. */
export function translateCallsBack(fn: IrFunction, changes: ReadonlyMap<string, SignatureChange>): IrFunction {
  if (!fn.body) return fn;
  const body = rewriteTree(fn.body, (node) => {
    if (node.kind !== 'call') return node;
    const change = changes.get(node.target);
    if (!change) return node;
    const operands: IrNode[] = [];
    let next = 0;
    change.before.params.forEach((type, i) => {
      if (change.kept.includes(i)) operands.push(node.operands[next++]!);
      else operands.push(change.removed.get(i) ?? zero(type));
    });
    const call: IrNode = { kind: 'call', type: change.before.results[0] ?? 'none', target: node.target, operands };
    return change.resultRemoved ? { kind: 'drop', type: 'none', value: call } : call;
  });
  return { ...fn, body };
}

/** A caller before the pass with the arguments it passed for unused parameters evaluated, dropped and replaced by zero. */
function neutralizeUnusedArguments(fn: IrFunction, changes: ReadonlyMap<string, SignatureChange>): IrFunction {
  if (!fn.body) return fn;
  const body = rewriteTree(fn.body, (node) => {
    if (node.kind !== 'call') return node;
    const change = changes.get(node.target);
    if (!change) return node;
    const operands = node.operands.map((arg, i): IrNode => {
      if (!change.removed.has(i) || change.removed.get(i) !== null) return arg;
      const type = change.before.params[i]!;
      return { kind: 'block', type, label: null, children: [{ kind: 'drop', type: 'none', value: arg }, zero(type)] };
    });
    return { ...node, operands };
  });
  return { ...fn, body };
}

/** `f` before the pass, pinned: each pinned parameter set to its constant on entry; its result dropped if removed. */
function pinned(change: SignatureChange): IrFunction {
  const f = change.before;
  const sets: IrNode[] = [...change.removed]
    .filter(([, value]) => value !== null)
    .map(([i, value]) => ({ kind: 'local.set', type: 'none', local: i, tee: false, value: value! }));
  let body: IrNode = sets.length === 0 ? f.body! : { kind: 'block', type: f.body!.type, label: null, children: [...sets, f.body!] };
  if (!change.resultRemoved) return { ...f, body };
  body = rewriteTree(body, (node) =>
    node.kind === 'return' && node.value
      ? { kind: 'block', type: 'unreachable', label: null, children: [{ kind: 'drop', type: 'none', value: node.value }, { kind: 'return', type: 'unreachable', value: null }] }
      : node,
  );
  return { ...f, results: [], body: body.type === 'none' || body.type === 'unreachable' ? body : { kind: 'drop', type: 'none', value: body } };
}

/** `f'` after the pass read with the old parameters: kept ones at their old indices, its own locals after them. */
function widened(change: SignatureChange): IrFunction {
  const f = change.after;
  const local = oldLocal(change.kept, change.before.params.length);
  const body = f.body && rewriteTree(f.body, (node) => {
    if (node.kind === 'local.get' || node.kind === 'local.set') return { ...node, local: local(node.local) };
    return node;
  });
  return { ...f, params: [...change.before.params], results: change.resultRemoved ? [] : [...change.before.results], body };
}

/**
 * A function the rule touches (touchedBy), as its check compares it: `before` with the arguments of unused
 * parameters neutralized (and pinned, its body widened, when its own signature changed) against `after` with
 * every call to a changed function translated back (see the file comment). `rule` says which reading it was.
 */
export function relatedPair(before: IrFunction, after: IrFunction, changes: ReadonlyMap<string, SignatureChange>): { base: IrFunction; candidate: IrFunction; rule: string } {
  const change = changes.get(before.name);
  return {
    base: neutralizeUnusedArguments(change ? pinned(change) : before, changes),
    candidate: translateCallsBack(change ? widened(change) : after, changes),
    rule: change ? `signature change: ${describeChange(change)}` : 'calls a function whose signature changed, read with the old signature',
  };
}

/** What a signature change removed, one phrase per parameter or result. */
export function describeChange(change: SignatureChange): string {
  const removed = [...change.removed].map(([i, value]) => `param ${i} ${value ? `= ${value.type}.const ${value.value}` : 'unused'}`);
  return [...removed, ...(change.resultRemoved ? ['result dropped by every caller'] : [])].join(', ');
}

/** The functions whose check goes through the rule: the changed signatures and every function calling one (callersOf). */
export function touchedBy(callers: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
  return new Set([...callers.keys(), ...[...callers.values()].flatMap((set) => [...set])]);
}

/** Changed function → the functions of `fns` that call it. */
export function callersOf(changes: ReadonlyMap<string, SignatureChange>, fns: Iterable<IrFunction>): Map<string, Set<string>> {
  const callers = new Map([...changes.keys()].map((name) => [name, new Set<string>()]));
  for (const fn of fns) {
    forEachNode(fn.body, (n) => {
      if (n.kind === 'call') callers.get(n.target)?.add(fn.name);
    });
  }
  return callers;
}
