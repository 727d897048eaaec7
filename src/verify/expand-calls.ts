import { forEachNode, hasLoop, mapChildren, type IrCall, type IrFunction, type IrNode, type IrType } from '../wasm/ir.js';
import type { ModuleContext } from './context.js';

/**
 * Inlining at the IR level, for induction only: a call to a small, non-recursive callee that contains loops
 * (which the encoder never inlines, since its loops need cut points) is replaced by a block that sets fresh
 * locals to the arguments, zeroes the callee's own locals, and runs the callee's body with its locals
 * renumbered and each `return` turned into a branch out of that block. This is wasm's own call semantics
 * written out, so the result behaves exactly as the original function; it lets a loop the optimizer inlined
 * on one side be matched with the same loop still behind a call on the other.
 */

/**
 * Largest callee (expression count) expanded this way. binaryen inlines a function with one caller at any
 * size: at 400, SIMD as-sha256's 499-expression block function, inlined into its one caller, left that
 * caller's inlining step unproved (its loops could not be matched to the call).
 */
export const EXPANSION_SIZE_LIMIT = 1000;

const zero = (type: IrType): IrNode => ({ kind: 'const', type, value: '0' });

function renumbered(node: IrNode, offset: number, exit: string): IrNode {
  const copy = mapChildren(node, (kid) => renumbered(kid, offset, exit));
  if (copy.kind === 'local.get' || copy.kind === 'local.set') return { ...copy, local: copy.local + offset };
  if (copy.kind === 'return') return { kind: 'br', type: 'unreachable', label: exit, value: copy.value, condition: null };
  return copy;
}

/** Whether calls to `name` are expanded (so a verdict depends on its body). */
export function isExpandedCallee(name: string, ctx: ModuleContext): boolean {
  const callee = ctx.functions.get(name);
  return Boolean(callee?.body && callee.size <= EXPANSION_SIZE_LIMIT && hasLoop(callee.body) && !ctx.isRecursive(name));
}

/** The callee of `call`, when it is one this expansion inlines. */
function expandable(node: IrNode, ctx: ModuleContext): (IrCall & { callee: IrFunction }) | undefined {
  if (node.kind !== 'call' || !isExpandedCallee(node.target, ctx)) return undefined;
  return { ...node, callee: ctx.functions.get(node.target)! };
}

/** `fn` with every call to an expandable callee inlined (one level), or undefined when there is none. */
export function expandLoopCalls(fn: IrFunction, ctx: ModuleContext): IrFunction | undefined {
  const vars = [...fn.vars];
  let sites = 0;
  const rewrite = (node: IrNode): IrNode => {
    const copy = mapChildren(node, rewrite);
    const call = expandable(copy, ctx);
    if (!call) return copy;
    const callee = call.callee;
    const offset = fn.params.length + vars.length;
    vars.push(...callee.params, ...callee.vars);
    const exit = `__atoll_inlined_${sites++}`;
    const setArgs = call.operands.map((arg, i): IrNode => ({ kind: 'local.set', type: 'none', local: offset + i, tee: false, value: arg }));
    const clearVars = callee.vars.map((type, i): IrNode => ({
      kind: 'local.set', type: 'none', local: offset + callee.params.length + i, tee: false, value: zero(type),
    }));
    const body = renumbered(callee.body!, offset, exit);
    const type = callee.results[0] ?? 'none';
    return { kind: 'block', type, label: exit, children: [...setArgs, ...clearVars, body] };
  };
  const body = fn.body ? rewrite(fn.body) : null;
  if (sites === 0) return undefined;
  return { ...fn, vars, body };
}

/**
 * The calls a function makes when the callees the encoder runs inline, and those in `expanded`, are run
 * inline (calls.ts): per callee, how many times. A callee the optimizer inlined two calls down is then seen as
 * one call fewer on that side.
 */
function callsInline(fn: IrFunction, ctx: ModuleContext, expanded: ReadonlySet<string>): Map<string, number> {
  // Each inline callee's counts are taken once and added per call site: a helper called from many places is
  // not walked again at each.
  const memo = new Map<string, Map<string, number>>();
  const countsOf = (body: IrNode | null): Map<string, number> => {
    const counts = new Map<string, number>();
    const add = (name: string, times: number) => counts.set(name, (counts.get(name) ?? 0) + times);
    forEachNode(body, (n) => {
      if (n.kind !== 'call') return;
      add(n.target, 1);
      if (ctx.isRecursive(n.target) || (ctx.policy(n.target) !== 'inline' && !expanded.has(n.target))) return;
      let inner = memo.get(n.target);
      if (!inner) memo.set(n.target, (inner = countsOf(ctx.functions.get(n.target)!.body)));
      for (const [name, times] of inner) add(name, times);
    });
    return counts;
  };
  return countsOf(fn.body);
}

/** A callee the value graph may run inline on a side where the encoder would leave it a call. */
function expandableOn(name: string, ctx: ModuleContext): boolean {
  const callee = ctx.functions.get(name);
  return Boolean(callee?.body && callee.size <= EXPANSION_SIZE_LIMIT && !ctx.isRecursive(name));
}

/**
 * The callees that one side of a pair calls more often than the other (an inlining step), counted through the
 * callees the encoder runs inline and through these themselves, until no more appear: the value graph runs
 * them inline on both sides (calls.ts), so that a body the optimizer inlined on one side — loops and all, and
 * the callees it inlined along with it — meets the same body behind the call on the other. Only callees with a
 * body, not recursive and at most EXPANSION_SIZE_LIMIT expressions (the proof key covers their bodies:
 * cache-key.ts). Callees both sides call alike stay calls: an uninterpreted call matches itself for free.
 * AssemblyScript's allocator, inlined three calls deep with its loops into its callers, needed the calls in
 * between expanded too, though they have no loops of their own.
 */
export function expandedCallees(a: IrFunction, b: IrFunction, ctxA: ModuleContext, ctxB: ModuleContext): Set<string> {
  const out = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    const [ca, cb] = [callsInline(a, ctxA, out), callsInline(b, ctxB, out)];
    for (const name of new Set([...ca.keys(), ...cb.keys()])) {
      if (out.has(name) || (ca.get(name) ?? 0) === (cb.get(name) ?? 0)) continue;
      if ((!ca.has(name) || expandableOn(name, ctxA)) && (!cb.has(name) || expandableOn(name, ctxB))) {
        out.add(name);
        grew = true;
      }
    }
  }
  return out;
}
