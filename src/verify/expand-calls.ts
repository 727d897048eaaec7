import type { IrFunction, IrNode, IrType } from '../wasm/ir.js';
import { hasLoop, type ModuleContext } from './context.js';

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

const zero = (type: IrType): IrNode => ({ kind: 'const', type, value: '0', kids: [] });

function renumbered(node: IrNode, offset: number, exit: string): IrNode {
  const kids = node.kids.map((kid) => (kid ? renumbered(kid, offset, exit) : null));
  if (node.kind === 'local.get' || node.kind === 'local.set') return { ...node, index: node.index! + offset, kids };
  if (node.kind === 'return') return { kind: 'br', type: 'unreachable', name: exit, kids: [kids[0] ?? null, null] };
  return { ...node, kids };
}

/** Whether calls to `name` are expanded (so a verdict depends on its body). */
export function isExpandedCallee(name: string, ctx: ModuleContext): boolean {
  const callee = ctx.functions.get(name);
  return Boolean(callee?.body && callee.size <= EXPANSION_SIZE_LIMIT && hasLoop(callee.body) && !ctx.isRecursive(name));
}

/** The callee of `call`, when it is one this expansion inlines. */
function expandable(call: IrNode, ctx: ModuleContext): IrFunction | undefined {
  return call.kind === 'call' && isExpandedCallee(call.name!, ctx) ? ctx.functions.get(call.name!) : undefined;
}

/** `fn` with every call to an expandable callee inlined (one level), or undefined when there is none. */
export function expandLoopCalls(fn: IrFunction, ctx: ModuleContext): IrFunction | undefined {
  const vars = [...fn.vars];
  let sites = 0;
  const rewrite = (node: IrNode): IrNode => {
    const kids = node.kids.map((kid) => (kid ? rewrite(kid) : null));
    const callee = expandable(node, ctx);
    if (!callee) return { ...node, kids };
    const offset = fn.params.length + vars.length;
    vars.push(...callee.params, ...callee.vars);
    const exit = `__atoll_inlined_${sites++}`;
    const setArgs = kids.map((arg, i): IrNode => ({ kind: 'local.set', type: 'none', index: offset + i, kids: [arg] }));
    const clearVars = callee.vars.map((type, i): IrNode => ({
      kind: 'local.set', type: 'none', index: offset + callee.params.length + i, kids: [zero(type)],
    }));
    const body = renumbered(callee.body!, offset, exit);
    const type = callee.results[0] ?? 'none';
    return { kind: 'block', type, name: exit, kids: [...setArgs, ...clearVars, body] };
  };
  const body = fn.body ? rewrite(fn.body) : null;
  if (sites === 0) return undefined;
  return { ...fn, vars, body };
}
