import { attributesOf, childrenOf, forEachNode, sameAttributes, type IrBlock, type IrFunction, type IrNode, type IrType } from '../wasm/ir.js';
import type { ModuleContext } from './context.js';
import { liveAround } from './encode/liveness.js';
import { observables, queryFor, sharedInputs, type EncodedQuery, type SharedInputs } from './encode/query.js';
import { SideEncoder, Unsupported, widthOf } from './encode/side.js';
import { Builder } from './graph/build.js';
import { bvSort, type Bool, type BV, type Term } from './graph/terms.js';

/**
 * Local changes: when two bodies are identical except for some fragments, and each changed fragment has no
 * branch out of itself, equivalence follows from each pair of fragments being equal for every value of what
 * it reads (all locals, memory, globals, world): same value, same state, same traps, and the same locals
 * wherever code after the fragment may read them. Loops around such a change need no induction, since each
 * iteration runs the same code on equal states.
 *
 * WHY THIS IS SOUND (design §2). Let D be the locals dead after a fragment on both sides (no path from its end,
 * in either body, reads one before writing it). Writing arbitrary values to D there changes neither body's
 * behaviour (locals are not observable, and a dead value is never read), so each body may be read with a
 * "havoc D" after each of its fragments. Those two bodies are related by: the same memory, globals, world and
 * locals both have, and nothing said of a local only one side has. Code outside the fragments is identical,
 * never names a local only one side has (localChangePairs checks), so it keeps the relation and does alike on both
 * sides. A fragment pair keeps it too: proved from a shared state with every local a free input (a local only
 * one side has included: a proof for every value covers the zero it starts with and whatever an earlier
 * fragment left there), it gives the same traps, state, value, and locals outside D, and the havoc sets D
 * alike. So the two bodies behave the same from every entry state.
 *
 * A fragment is a changed subtree, or a changed run of statements in a block: statements removed or added
 * change a block's child count, and the whole block (often the function body, which branches to outer
 * labels) would otherwise be the changed subtree. The stack-IR writer makes such runs: a `local.set` read
 * once moves into its use, a scratch local appears, and the locals it no longer sets are dead.
 */

/** Where the code after a fragment starts in its own body: after a node, or just before one. */
interface End {
  node: IrNode;
  at: 'after' | 'before';
}

/** One side of a fragment pair. */
export interface FragmentSide {
  /** What is encoded: the changed subtree, or an unlabelled block made of the changed run. */
  node: IrNode;
  /** The nodes of the body the fragment is made of (the subtree, or the run's statements). */
  parts: readonly IrNode[];
  end: End;
}

/** A pair of changed fragments; `compared`: the locals (of both sides) compared after them. */
export interface Fragment {
  base: FragmentSide;
  candidate: FragmentSide;
  compared: readonly number[];
}

/**
 * Comparisons of subtrees of two bodies. `same` walks both until the first difference, and remembers every
 * pair on the way down to it as different, so that comparing their ancestors' children level after level (a
 * block nested in a block, thousands deep, with the change at the bottom) costs the depth once, not at every
 * level. `ids` gives each subtree an id, equal exactly when the subtrees are equal node for node
 * (hash-consing: interned from the node's attributes and its children's ids), for matching many children
 * against many; each node is hashed once. Iterative: bodies nest deeper than the stack allows.
 */
class Trees {
  private readonly different = new Map<IrNode, Set<IrNode>>();
  private readonly hashed = new Map<IrNode, number>();
  private readonly interned = new Map<string, number>();

  same(a: IrNode, b: IrNode): boolean {
    // Each entry: the pair, and the index in `walked` of the pair it is a child of.
    const stack: Array<[IrNode, IrNode, number]> = [[a, b, -1]];
    const walked: Array<[IrNode, IrNode, number]> = [];
    while (stack.length > 0) {
      const entry = stack.pop()!;
      const [x, y] = entry;
      if (x === y) continue;
      const index = walked.push(entry) - 1;
      const kx = childrenOf(x);
      const ky = childrenOf(y);
      if (this.different.get(x)?.has(y) || kx.length !== ky.length || !sameAttributes(x, y)) {
        for (let at = index; at >= 0; at = walked[at]![2]) this.remember(walked[at]![0], walked[at]![1]);
        return false;
      }
      for (let k = 0; k < kx.length; k++) stack.push([kx[k]!, ky[k]!, index]);
    }
    return true;
  }

  private remember(x: IrNode, y: IrNode): void {
    let known = this.different.get(x);
    if (!known) this.different.set(x, (known = new Set()));
    known.add(y);
  }

  ids(roots: readonly IrNode[]): number[] {
    const stack: Array<[IrNode, boolean]> = roots.map((root) => [root, false]);
    while (stack.length > 0) {
      const [node, childrenDone] = stack.pop()!;
      if (this.hashed.has(node)) continue;
      const kids = childrenOf(node);
      if (!childrenDone) {
        stack.push([node, true]);
        for (const kid of kids) stack.push([kid, false]);
        continue;
      }
      let key = attributesOf(node);
      for (const kid of kids) key += `,${this.hashed.get(kid)!}`;
      let id = this.interned.get(key);
      if (id === undefined) this.interned.set(key, (id = this.interned.size));
      this.hashed.set(node, id);
    }
    return roots.map((root) => this.hashed.get(root)!);
  }
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

const subtree = (node: IrNode): FragmentSide => ({ node, parts: [node], end: { node, at: 'after' } });
const contained = (pair: readonly [FragmentSide, FragmentSide]) => selfContained(pair[0].node) && selfContained(pair[1].node);

type Pair = [FragmentSide, FragmentSide];

/**
 * The outermost pairs of fragments in which two trees differ (self-contained or not: the caller decides). Two
 * blocks of one shape are compared child list against child list (blockFragments); when that finds no
 * self-contained fragments, as any other node: child by child when the nodes differ only in their children,
 * else the two nodes are one fragment. Memoized per pair of nodes: a block's children are compared once in
 * its gaps and again child by child when the gaps fail, at every depth (exponential in depth otherwise).
 */
class Differ {
  private readonly memo = new Map<IrNode, Map<IrNode, Pair[]>>();
  private readonly trees = new Trees();

  // Few frames per level of nesting (fragments, blockFragments): bodies nest blocks thousands deep.
  fragments(a: IrNode, b: IrNode): Pair[] {
    let known = this.memo.get(a);
    if (!known) this.memo.set(a, (known = new Map()));
    let found = known.get(b);
    if (found) return found;
    const kidsA = childrenOf(a);
    const kidsB = childrenOf(b);
    const sameShape = sameAttributes(a, b);
    found = sameShape && a.kind === 'block' && b.kind === 'block' ? this.blockFragments(a, b) : undefined;
    if (!found && sameShape && kidsA.length === kidsB.length) {
      found = [];
      for (let k = 0; k < kidsA.length; k++) found.push(...this.fragments(kidsA[k]!, kidsB[k]!));
    }
    found ??= [[subtree(a), subtree(b)]];
    known.set(b, found);
    return found;
  }

  /**
   * The fragments of two blocks' child lists when every one is self-contained, else undefined. Identical
   * children are matched in order (matchedChildren); in each gap between matches, children are compared one
   * by one when its two sides have as many, else it is a changed run of statements. (A run is never made of
   * a gap whose children pair up: that would only widen a fragment that branches out, up to the loop around
   * it, which the solver's local-change query then gets instead of induction.)
   */
  private blockFragments(a: IrBlock, b: IrBlock): Pair[] | undefined {
    const out: Pair[] = [];
    let [i, j] = [0, 0];
    for (const [mi, mj] of [...matchedChildren(a.children, b.children, this.trees), [a.children.length, b.children.length]] as Array<[number, number]>) {
      if (mi - i === mj - j) {
        const positional: Pair[] = [];
        for (let k = 0; k < mi - i; k++) positional.push(...this.fragments(a.children[i + k]!, b.children[j + k]!));
        if (!positional.every(contained)) return undefined;
        out.push(...positional);
      } else {
        const [runA, runB] = [a.children.slice(i, mi), b.children.slice(j, mj)];
        const run = changedRun(runA, runB, [endOf(a, runA, mi), endOf(b, runB, mj)], this.trees);
        if (!run) return undefined;
        out.push(run);
      }
      [i, j] = [mi + 1, mj + 1];
    }
    return out;
  }
}

/**
 * The Differ's fragments, or undefined when the bodies nest deeper than its recursion can follow (a few
 * thousand levels): such a pair is simply not taken as a local change, which only leaves it to the whole
 * function's encoding.
 */
function differingFragments(a: IrNode, b: IrNode): Pair[] | undefined {
  try {
    return new Differ().fragments(a, b);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Where the code after a run of `block`'s children that ends before child `next` starts. */
function endOf(block: IrBlock, run: readonly IrNode[], next: number): End {
  const after = block.children[next];
  return run.length > 0 ? { node: run[run.length - 1]!, at: 'after' } : after ? { node: after, at: 'before' } : { node: block, at: 'after' };
}

/**
 * A changed run of statements as one unlabelled block per side (either possibly empty), when it is
 * self-contained on both sides. When the runs end in statements of one shape that differ only in their first
 * operand (a value the stack-IR writer moved into its use: `br_if $loop (local.get $t)` against
 * `br_if $loop (block … )`), the run may stop at that operand instead, which leaves the branch out of it: the
 * rest of those statements runs after the operand (operands are evaluated in order) and is the same code on
 * both sides. The deepest such cut that is self-contained is taken; undefined when none is.
 */
function changedRun(runA: IrNode[], runB: IrNode[], ends: [End, End], trees: Trees): Pair | undefined {
  let best: Pair | undefined;
  const consider = (x: IrNode[], y: IrNode[], at: [End, End]) => {
    const pair: Pair = [{ node: sequence(x), parts: x, end: at[0] }, { node: sequence(y), parts: y, end: at[1] }];
    if (typesFit(pair[0].node.type, pair[1].node.type) && contained(pair)) best = pair;
  };
  consider(runA, runB, ends);
  let [tailA, tailB]: [IrNode | undefined, IrNode | undefined] = [runA[runA.length - 1], runB[runB.length - 1]];
  while (tailA && tailB) {
    [tailA, tailB] = firstOperands(tailA, tailB, trees);
    if (tailA && tailB) consider([...runA.slice(0, -1), tailA], [...runB.slice(0, -1), tailB], [{ node: tailA, at: 'after' }, { node: tailB, at: 'after' }]);
  }
  return best;
}

/** Above this many pairs of children, a changed middle of two child lists is one gap (no alignment inside). */
const ALIGN_CAP = 250_000;

/**
 * Identical children of two child lists matched in order, as index pairs: the common prefix and suffix, and
 * between them, when statements were added or removed (middles of unequal lengths), a longest common
 * subsequence. Middles of one length are left to be compared child by child, as a pass that rewrites
 * statements in place leaves them, without hashing what is between.
 */
function matchedChildren(ka: readonly IrNode[], kb: readonly IrNode[], trees: Trees): Array<[number, number]> {
  let prefix = 0;
  while (prefix < ka.length && prefix < kb.length && trees.same(ka[prefix]!, kb[prefix]!)) prefix++;
  let suffix = 0;
  while (suffix < ka.length - prefix && suffix < kb.length - prefix && trees.same(ka[ka.length - 1 - suffix]!, kb[kb.length - 1 - suffix]!)) suffix++;
  const middleA = ka.slice(prefix, ka.length - suffix);
  const middleB = kb.slice(prefix, kb.length - suffix);
  const [m, n] = [middleA.length, middleB.length];
  const matches: Array<[number, number]> = Array.from({ length: prefix }, (_, k) => [k, k]);
  if (m > 0 && n > 0 && m !== n && m * n <= ALIGN_CAP) {
    const equal = childEquality(middleA, middleB, trees);
    // lcs[i * (n + 1) + j]: the length of a longest common subsequence of middleA[i..] and middleB[j..].
    const lcs = new Uint32Array((m + 1) * (n + 1));
    const at = (i: number, j: number) => lcs[i * (n + 1) + j]!;
    for (let i = m - 1; i >= 0; i--) {
      for (let j = n - 1; j >= 0; j--) lcs[i * (n + 1) + j] = equal(i, j) ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
    for (let i = 0, j = 0; i < m && j < n;) {
      if (equal(i, j)) matches.push([prefix + i++, prefix + j++]);
      else if (at(i + 1, j) >= at(i, j + 1)) i++;
      else j++;
    }
  }
  for (let k = suffix; k > 0; k--) matches.push([ka.length - k, kb.length - k]);
  return matches;
}

/** Below this many pairs of children, they are compared tree against tree (most differ at their root). */
const COMPARE_CAP = 64;

/**
 * Whether child i of one list equals child j of the other. Few pairs: compared directly, each at most once (a
 * middle of one or two children is the common case, and hashing it would visit most of the body). Many:
 * by subtree ids.
 */
function childEquality(as: readonly IrNode[], bs: readonly IrNode[], trees: Trees): (i: number, j: number) => boolean {
  if (as.length * bs.length > COMPARE_CAP) {
    const [idA, idB] = [trees.ids(as), trees.ids(bs)];
    return (i, j) => idA[i] === idB[j];
  }
  const known = new Map<number, boolean>();
  return (i, j) => {
    const key = i * bs.length + j;
    let equal = known.get(key);
    if (equal === undefined) known.set(key, (equal = trees.same(as[i]!, bs[j]!)));
    return equal;
  };
}

/**
 * The first operands of two nodes of one shape whose other operands are identical (what may end a run
 * instead of the nodes; see changedRun), or undefineds. Not a loop's: its body runs again after it.
 */
function firstOperands(a: IrNode, b: IrNode, trees: Trees): [IrNode | undefined, IrNode | undefined] {
  if (a.kind === 'loop' || !sameAttributes(a, b)) return [undefined, undefined];
  const [ka, kb] = [childrenOf(a), childrenOf(b)];
  if (ka.length === 0 || ka.length !== kb.length || !ka.every((k, i) => i === 0 || trees.same(k, kb[i]!))) return [undefined, undefined];
  return [ka[0], kb[0]];
}

/** Statements as one unlabelled block of the type binaryen would give it. */
function sequence(children: IrNode[]): IrBlock {
  const last = children[children.length - 1]?.type ?? 'none';
  const type: IrType = last !== 'none' && last !== 'unreachable' ? last : children.some((c) => c.type === 'unreachable') ? 'unreachable' : 'none';
  return { kind: 'block', type, label: null, children };
}

/** Two fragments may be compared when they have one type, or one never falls through (unreachable). */
const typesFit = (x: IrType, y: IrType): boolean => x === y || x === 'unreachable' || y === 'unreachable';

/**
 * Whether code outside `parts` names a local from `first` on: counted place by place, in the body and in the
 * parts, so that a node object that stood in two places (one outside) would still be seen.
 */
function namesLocalOutside(body: IrNode, parts: readonly IrNode[], first: number): boolean {
  const naming = (roots: readonly IrNode[]) => {
    let count = 0;
    for (const root of roots) {
      forEachNode(root, (n) => {
        if ((n.kind === 'local.get' || n.kind === 'local.set') && n.local >= first) count++;
      });
    }
    return count;
  };
  return naming([body]) !== naming(parts);
}

/**
 * The locals live at each end, per side; all `count` of them where the body nests deeper than the liveness
 * walk's recursion can follow (comparing more locals than needed is always sound).
 */
function liveAtEnds(body: IrNode, ends: readonly End[], count: number): Array<Set<number>> {
  try {
    const live = liveAround(body, new Set(ends.map((e) => e.node)));
    return ends.map((e) => live[e.at].get(e.node) ?? new Set());
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return ends.map(() => new Set(Array.from({ length: count }, (_, l) => l)));
  }
}

/**
 * The fragment pairs of a function pair whose change is local, or undefined when it is not. The parameters
 * must be the same, and one side's locals a prefix of the other's (the stack-IR writer adds scratch locals);
 * a local only one side has is a free input of each fragment and never compared.
 */
export function localChangePairs(base: IrFunction, candidate: IrFunction): Fragment[] | undefined {
  if (!base.body || !candidate.body || base.params.join() !== candidate.params.join()) return undefined;
  const common = Math.min(base.vars.length, candidate.vars.length);
  if (base.vars.slice(0, common).join() !== candidate.vars.slice(0, common).join()) return undefined;
  const pairs = differingFragments(base.body, candidate.body);
  if (!pairs || pairs.length === 0 || !pairs.every(contained)) return undefined;
  // Identical code outside the fragments cannot name a local only one side has (the other side has no such
  // local); asserted, since the argument above rests on it.
  const shared = base.params.length + common;
  if (base.vars.length !== candidate.vars.length) {
    if (namesLocalOutside(base.body, pairs.flatMap(([x]) => x.parts), shared)) return undefined;
    if (namesLocalOutside(candidate.body, pairs.flatMap(([, y]) => y.parts), shared)) return undefined;
  }
  // Liveness is found when first asked for: the checker asks only for changes small enough to encode.
  let live: [Array<Set<number>>, Array<Set<number>>] | undefined;
  const liveAt = (i: number): number[] => {
    live ??= [liveAtEnds(base.body!, pairs.map(([x]) => x.end), shared), liveAtEnds(candidate.body!, pairs.map(([, y]) => y.end), shared)];
    return [...new Set([...live[0][i]!, ...live[1][i]!])].filter((l) => l < shared).sort((p, q) => p - q);
  };
  return pairs.map(([x, y], i) => ({
    base: x, candidate: y,
    get compared() {
      return liveAt(i);
    },
  }));
}

/**
 * "The two fragments differ", from an arbitrary shared state including every local of either side, as one
 * term of `build`'s graph (false: the graph alone shows they agree). `opaqueCalls`: no callee runs inline
 * (calls.ts).
 */
export function fragmentDifference(
  base: IrFunction, candidate: IrFunction, fragment: Fragment, baseCtx: ModuleContext, candidateCtx: ModuleContext, build = new Builder(),
  options: { opaqueCalls?: boolean } = {},
): { shared: SharedInputs; differs: Bool } {
  const [a, b] = [fragment.base.node, fragment.candidate.node];
  if (!typesFit(a.type, b.type)) throw new Unsupported('unsupported', 'changed subtree changed its type');
  const shared = sharedInputs(baseCtx, build, options);
  const widthsA = [...base.params, ...base.vars].map(widthOf);
  const widthsB = [...candidate.params, ...candidate.vars].map(widthOf);
  const widths = widthsA.length >= widthsB.length ? widthsA : widthsB;
  const locals = widths.map((w, i) => build.variable(`l${i}`, bvSort(w)) as BV);
  const types = a.type === b.type && a.type !== 'none' && a.type !== 'unreachable' ? [a.type] : [];
  const ra = new SideEncoder('a', baseCtx, shared, locals.slice(0, widthsA.length), widthsA).run(a, types);
  const rb = new SideEncoder('b', candidateCtx, shared, locals.slice(0, widthsB.length), widthsB).run(b, types);
  const localPairs = fragment.compared.map((l): [Term, Term] => [ra.normal.snap.locals[l]!, rb.normal.snap.locals[l]!]);
  return { shared, differs: build.or(...observables(shared, ra, rb, localPairs).map((o) => o.differs)) };
}

/**
 * The fragment queries for a function pair whose change is local, or undefined when it is not; each built
 * with a fresh `builder()` (the caller's bounds on its graph).
 */
export function localChangeQueries(
  base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext, builder: () => Builder = () => new Builder(),
): EncodedQuery[] | undefined {
  return localChangePairs(base, candidate)?.map((fragment) => {
    const { shared, differs } = fragmentDifference(base, candidate, fragment, baseCtx, candidateCtx, builder());
    return queryFor({ shared, params: [], paramTypes: [] }, differs);
  });
}
