import { signatureOf, type IrCall, type IrCallIndirect } from '../../wasm/ir.js';
import { EXPANSION_DEPTH_LIMIT } from '../context.js';
import type { BV, Mem, Sort, World } from '../graph/terms.js';
import { bvSort } from '../graph/terms.js';
import { type SideEncoder, Unsupported, symbolPart, widthOf } from './side.js';

/**
 * Calls. A small callee is run inline on both sides (what makes inlining provable; one in a recursion cycle
 * only one level deep, and never the function itself) unless the encoding asks for opaque calls
 * (SharedInputs.opaqueCalls), and so is any callee that one side inlined and the other still calls (in the
 * value graph, whose loops may sit in any frame; expand-calls.ts, expandedCallees); a callee proved pure is a
 * plain uninterpreted function of its arguments (what makes CSE of pure calls provable); any other call —
 * imports, call_indirect, large or recursive functions — is an uninterpreted transformer of (arguments,
 * memory, size, globals, world) into (results, memory, size, globals, world, trapped), which keeps the size
 * as it was when nothing the callee can run grows the memory (context.ts). Threading the world through keeps
 * two calls to an impure import from being merged.
 */

export function call(side: SideEncoder, node: IrCall): BV | undefined {
  const name = node.target;
  const callee = side.ctx.functions.get(name);
  if (!callee) throw new Unsupported('unsupported', `call to missing function ${name}`);
  // Within one module validation rules this out; a context built from two modules (a step's, or the signature
  // rule's of a whole jump) must not bind arguments to the wrong parameters and locals if it ever allowed it.
  if (node.operands.length !== callee.params.length) throw new Unsupported('unsupported', `call to ${name} with ${node.operands.length} arguments for ${callee.params.length} parameters`);
  const args = node.operands.map((kid) => side.value(kid));
  if (side.alive === side.build.false) return side.dead(node.type);
  const policy = side.ctx.policy(name);
  // A callee in a recursion cycle is unfolded once, from the function itself, and never the function itself:
  // both sides then stop at the same calls however the optimizer inlined around the cycle. Any other inline
  // callee is unfolded at any depth (its policy bounds what that inlines in all, context.ts).
  if (policy === 'inline' && !side.shared.opaqueCalls && (!side.ctx.isRecursive(name) || (side.frame.depth === 0 && name !== side.root))) return side.inline(callee, args);
  if (side.shared.expanded?.has(name) && side.frame.depth < EXPANSION_DEPTH_LIMIT) return side.inline(callee, args);
  if (policy === 'pure') {
    side.approximate(`pure ${name}`);
    if (callee.results.length === 0) return undefined;
    return side.build.uf(`pure_${symbolPart(name)}`, bvSort(widthOf(node.type)), args) as BV;
  }
  return transform(side, `call_${symbolPart(name)}`, args, callee.results, side.ctx.keepsMemorySize(name));
}

export function callIndirect(side: SideEncoder, node: IrCallIndirect): BV | undefined {
  const operands = node.operands.map((kid) => side.value(kid));
  const index = side.value(node.target);
  if (side.alive === side.build.false) return side.dead(node.type);
  // Null slot, out-of-range index and signature mismatch are folded into the transformer's trap output,
  // which depends on the index and the signature exactly as the real table does.
  return transform(side, `ci_${symbolPart(node.table)}_${symbolPart(signatureOf(node))}`, [index, ...operands], node.results, false);
}

/** A call the encoder does not look into (see the file comment); `keepsSize`: it cannot grow the memory. */
function transform(side: SideEncoder, id: string, args: readonly BV[], results: readonly string[], keepsSize: boolean): BV | undefined {
  const b = side.build;
  const env = side.env;
  const inputs = [...args, ...(env.mem ? [env.mem, env.size!] : []), ...env.globals, env.world];
  side.approximate(id);
  const apply = <S extends Sort>(output: string, sort: S) => b.uf(`${id}_${inputs.length}_${output}`, sort, inputs);
  const values = results.map((t, i) => apply(`r${i}`, bvSort(widthOf(t))) as BV);
  const trapped = apply('trap', 'bool');
  side.env = {
    mem: env.mem ? apply('mem', env.mem.sort) as Mem : null,
    size: env.size && !keepsSize ? apply('size', env.size.sort) as BV : env.size,
    world: apply('world', 'world') as World,
    globals: env.globals.map((g, i) => apply(`g${i}`, g.sort) as BV),
  };
  side.trap(trapped);
  return values[0];
}
