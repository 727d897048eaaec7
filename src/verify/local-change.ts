import { attributesOf, childrenOf, forEachNode, type IrFunction, type IrNode } from '../wasm/ir.js';
import type { ModuleContext } from './context.js';
import { SideEncoder, Unsupported, assertDifference, sharedInputs } from './encoder.js';
import { bvSort } from './smt.js';
import { widthOf } from './values.js';

/**
 * Local changes: when two bodies are identical except for some subtrees, and each changed subtree has no
 * branch out of itself, equivalence follows from each pair of subtrees being equal for every value of what
 * it reads (all locals, memory, globals, world): same value, same locals, same state, same traps. Loops
 * around such a change need no induction, since each iteration runs the same code on equal states.
 */

/** The outermost pairs of subtrees that differ; undefined when the trees differ in something other than a subtree. */
export function differingSubtrees(a: IrNode | null, b: IrNode | null, out: Array<[IrNode, IrNode]> = []): Array<[IrNode, IrNode]> | undefined {
  if (!a || !b) return a === b ? out : undefined;
  const kidsA = childrenOf(a);
  const kidsB = childrenOf(b);
  if (attributesOf(a) !== attributesOf(b) || kidsA.length !== kidsB.length) {
    out.push([a, b]);
    return out;
  }
  for (let i = 0; i < kidsA.length; i++) if (!differingSubtrees(kidsA[i]!, kidsB[i]!, out)) return undefined;
  return out;
}

/** A subtree is self-contained when it branches only to its own labels and does not return. */
export function selfContained(node: IrNode): boolean {
  const own = new Set<string>();
  forEachNode(node, (n) => {
    if ((n.kind === 'block' || n.kind === 'loop') && n.label) own.add(n.label);
  });
  let contained = true;
  forEachNode(node, (n) => {
    if (n.kind === 'return') contained = false;
    const targets = n.kind === 'br' ? [n.label] : n.kind === 'br_table' ? [n.defaultLabel, ...n.labels] : [];
    if (targets.some((t) => !own.has(t))) contained = false;
  });
  return contained;
}

export interface FragmentQuery {
  smt: string;
}

/** The query that two subtrees differ, from an arbitrary shared state including every local. */
export function encodeFragmentPair(fn: IrFunction, a: IrNode, b: IrNode, baseCtx: ModuleContext, candidateCtx: ModuleContext): FragmentQuery {
  const shared = sharedInputs(baseCtx);
  const widths = [...fn.params, ...fn.vars].map(widthOf);
  const locals = widths.map((w, i) => shared.script.declare(`l${i}`, bvSort(w)));
  const types = a.type === b.type && a.type !== 'none' && a.type !== 'unreachable' ? [a.type] : [];
  const sideA = new SideEncoder('a', baseCtx, shared, locals, widths);
  const sideB = new SideEncoder('b', candidateCtx, shared, locals, widths);
  if (a.type !== b.type && a.type !== 'unreachable' && b.type !== 'unreachable') throw new Unsupported('unsupported', 'changed subtree changed its type');
  const ra = sideA.run(a, types);
  const rb = sideB.run(b, types);
  const localPairs = ra.normal.snap.locals.map((l, i): [string, string] => [l, rb.normal.snap.locals[i]!]);
  assertDifference(shared, ra, rb, localPairs);
  return { smt: `${shared.script.text()}(check-sat)\n` };
}

/** The fragment queries for a function pair whose change is local, or undefined when it is not. */
export function localChangeQueries(base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext): FragmentQuery[] | undefined {
  if (base.params.join() !== candidate.params.join() || base.vars.join() !== candidate.vars.join()) return undefined;
  const pairs = differingSubtrees(base.body, candidate.body);
  if (!pairs || pairs.length === 0) return undefined;
  if (!pairs.every(([a, b]) => selfContained(a) && selfContained(b))) return undefined;
  return pairs.map(([a, b]) => encodeFragmentPair(base, a, b, baseCtx, candidateCtx));
}
