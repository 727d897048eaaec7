import { forEachNode, mapChildren, signatureOf, type IrConst, type IrFunction, type IrModule, type IrNode, type IrType } from '../wasm/ir.js';

/**
 * The rule that relates a new signature to the old (dead-argument elimination and its kin): a function `f`
 * lost parameters, or its result, and every caller was changed to match. Nothing outside the module can
 * call `f` (not exported, not in a table, not the start: checked at module level), so its only callers are
 * the module's own, all of which the pass rewrote.
 *
 * A removed parameter is either *pinned*: every call before the pass passed the same constant, and `f'` may
 * compute with that constant; or *unused*: `f'` ignores it. A removed result was dropped by every caller.
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
  const changes = new Map<string, SignatureChange>();
  const unexplained = new Map<string, string>();
  for (const name of changed) {
    const a = before.get(name)!;
    const b = after.get(name)!;
    if (signatureOf(a) === signatureOf(b)) continue;
    const why = explain(a, b, pre, changes);
    if (typeof why === 'string') unexplained.set(name, why);
  }
  return { changes, unexplained };
}

function explain(a: IrFunction, b: IrFunction, pre: IrModule, changes: Map<string, SignatureChange>): string | undefined {
  if (a.imported || b.imported) return 'an import changed its signature';
  const resultRemoved = a.results.length > 0 && b.results.length === 0;
  if (!resultRemoved && a.results.join() !== b.results.join()) return `its results changed from (${a.results}) to (${b.results})`;
  const kept = keptParameters(a.params, b.params);
  if (!kept) return `its parameters (${b.params}) are not a subsequence of (${a.params})`;
  const calls = callsTo(a.name, pre);
  const removed = new Map<number, IrConst | null>();
  for (let i = 0; i < a.params.length; i++) {
    if (kept.includes(i)) continue;
    const args = calls.map((call) => call.operands[i]);
    const first = args[0];
    const pinned = first?.kind === 'const' && args.every((arg) => arg?.kind === 'const' && arg.value === first.value) ? first : null;
    removed.set(i, pinned);
  }
  if (resultRemoved && calls.some((call) => !call.dropped)) return 'its result was removed although a call used it';
  changes.set(a.name, { name: a.name, kept, removed, resultRemoved, before: a, after: b });
  return undefined;
}

/** Which old parameters the new list keeps, when it is a subsequence by type (the first such fit). */
function keptParameters(old: IrType[], now: IrType[]): number[] | undefined {
  const kept: number[] = [];
  let i = 0;
  for (const type of now) {
    while (i < old.length && old[i] !== type) i++;
    if (i === old.length) return undefined;
    kept.push(i++);
  }
  return kept;
}

interface CallSite {
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
      if (n.kind === 'call' && n.target === name) sites.push({ operands: n.operands, dropped: dropped.has(n) });
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
export function neutralizeUnusedArguments(fn: IrFunction, changes: ReadonlyMap<string, SignatureChange>): IrFunction {
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
export function pinned(change: SignatureChange): IrFunction {
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
export function widened(change: SignatureChange): IrFunction {
  const f = change.after;
  const oldCount = change.before.params.length;
  const newCount = f.params.length;
  const local = (i: number) => (i < newCount ? change.kept[i]! : oldCount + (i - newCount));
  const body = f.body && rewriteTree(f.body, (node) => {
    if (node.kind === 'local.get' || node.kind === 'local.set') return { ...node, local: local(node.local) };
    return node;
  });
  return { ...f, params: [...change.before.params], results: change.resultRemoved ? [] : [...change.before.results], body };
}

/** The functions whose check goes through the rule: the changed signatures and every changed function calling one. */
export function touchedBy(changes: ReadonlyMap<string, SignatureChange>, fns: Iterable<IrFunction>): Set<string> {
  const touched = new Set(changes.keys());
  for (const fn of fns) {
    forEachNode(fn.body, (n) => {
      if (n.kind === 'call' && changes.has(n.target)) touched.add(fn.name);
    });
  }
  return touched;
}
