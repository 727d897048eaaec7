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

/** Largest callee (expression count) expanded this way. */
export const EXPANSION_SIZE_LIMIT = 400;

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
 * The callees with loops that one side of a pair calls more often than the other (an inlining step): the value
 * graph runs these inline on both sides, so that a loop inlined on one side meets the same loop behind the
 * call on the other. Callees both sides call alike stay calls: an uninterpreted call matches itself for free.
 */
export function inlinedLoopCallees(a: IrFunction, b: IrFunction, ctxA: ModuleContext, ctxB: ModuleContext): Set<string> {
  const calls = (fn: IrFunction) => {
    const counts = new Map<string, number>();
    forEachNode(fn.body, (n) => void (n.kind === 'call' && counts.set(n.target, (counts.get(n.target) ?? 0) + 1)));
    return counts;
  };
  const [ca, cb] = [calls(a), calls(b)];
  const out = new Set<string>();
  for (const name of new Set([...ca.keys(), ...cb.keys()])) {
    if ((ca.get(name) ?? 0) === (cb.get(name) ?? 0)) continue;
    if ((!ca.has(name) || isExpandedCallee(name, ctxA)) && (!cb.has(name) || isExpandedCallee(name, ctxB))) out.add(name);
  }
  return out;
}
