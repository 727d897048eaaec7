import { attributesOf, childrenOf, forEachNode, type IrFunction, type IrNode } from '../wasm/ir.js';
import type { ModuleContext } from './context.js';
import { observables, queryFor, sharedInputs, type EncodedQuery, type SharedInputs } from './encode/query.js';
import { SideEncoder, Unsupported, widthOf } from './encode/side.js';
import { Builder } from './graph/build.js';
import { bvSort, type Bool, type BV, type Term } from './graph/terms.js';

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

/**
 * "The two subtrees differ", from an arbitrary shared state including every local, as one term of `build`'s
 * graph (false: the graph alone shows they agree). `opaqueCalls`: no callee runs inline (calls.ts).
 */
export function fragmentDifference(
  fn: IrFunction, a: IrNode, b: IrNode, baseCtx: ModuleContext, candidateCtx: ModuleContext, build = new Builder(), options: { opaqueCalls?: boolean } = {},
): { shared: SharedInputs; differs: Bool } {
  if (a.type !== b.type && a.type !== 'unreachable' && b.type !== 'unreachable') throw new Unsupported('unsupported', 'changed subtree changed its type');
  const shared = sharedInputs(baseCtx, build, options);
  const widths = [...fn.params, ...fn.vars].map(widthOf);
  const locals = widths.map((w, i) => build.variable(`l${i}`, bvSort(w)) as BV);
  const types = a.type === b.type && a.type !== 'none' && a.type !== 'unreachable' ? [a.type] : [];
  const ra = new SideEncoder('a', baseCtx, shared, locals, widths).run(a, types);
  const rb = new SideEncoder('b', candidateCtx, shared, locals, widths).run(b, types);
  const localPairs = ra.normal.snap.locals.map((l, i): [Term, Term] => [l, rb.normal.snap.locals[i]!]);
  return { shared, differs: build.or(...observables(shared, ra, rb, localPairs).map((o) => o.differs)) };
}

/** The pairs of changed subtrees of a function pair whose change is local, or undefined when it is not. */
export function localChangePairs(base: IrFunction, candidate: IrFunction): Array<[IrNode, IrNode]> | undefined {
  if (base.params.join() !== candidate.params.join() || base.vars.join() !== candidate.vars.join()) return undefined;
  const pairs = differingSubtrees(base.body, candidate.body);
  if (!pairs || pairs.length === 0) return undefined;
  return pairs.every(([a, b]) => selfContained(a) && selfContained(b)) ? pairs : undefined;
}

/**
 * The fragment queries for a function pair whose change is local, or undefined when it is not; each built
 * with a fresh `builder()` (the caller's bounds on its graph).
 */
export function localChangeQueries(
  base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext, builder: () => Builder = () => new Builder(),
): EncodedQuery[] | undefined {
  return localChangePairs(base, candidate)?.map(([a, b]) => {
    const { shared, differs } = fragmentDifference(base, a, b, baseCtx, candidateCtx, builder());
    return queryFor({ shared, params: [], paramTypes: [] }, differs);
  });
}
