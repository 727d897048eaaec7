import { childrenOf, type IrLoop, type IrNode } from '../../wasm/ir.js';

/**
 * The locals live where a loop's ways out lead: after it (falling out), and at each enclosing label it
 * branches to; and those live at its header (read before they are written on some path from there, through
 * later iterations and out of the loop).
 */
export interface LiveAfterLoop {
  fall: Set<number>;
  labels: Map<string, Set<number>>;
  header: Set<number>;
}

/**
 * Which locals may be read after a loop is left, per way out, and at its header: backward liveness of locals
 * over the structured control flow of one body. A label is live with what its target needs (after a block; at a loop's header,
 * found by fixpoint); a local is live before a read and dead before a write. For each loop, the locals live
 * where each of its ways out leads — after it, at the enclosing labels its body branches to (a return leads
 * nowhere). Per way, because a local set on one way out and read only after it (SSA's split-off locals) is
 * not read on another that leaves before setting it.
 */
export function liveAfterLoops(body: IrNode): Map<IrLoop, LiveAfterLoop> {
  return liveness(body);
}

/**
 * The locals live just before and just after each of `nodes` (which must lie in `body`; a node walked more than
 * once, inside a loop's fixpoint, gets what any walk found): for local-change.ts, which compares after a
 * changed fragment only the locals code after it may read.
 */
export function liveAround(body: IrNode, nodes: ReadonlySet<IrNode>): { before: Map<IrNode, Set<number>>; after: Map<IrNode, Set<number>> } {
  const before = new Map<IrNode, Set<number>>();
  const after = new Map<IrNode, Set<number>>();
  const add = (map: Map<IrNode, Set<number>>, node: IrNode, live: ReadonlySet<number>) => {
    const known = map.get(node);
    if (known) for (const l of live) known.add(l);
    else map.set(node, new Set(live));
  };
  liveness(body, (node, out, live) => {
    if (!nodes.has(node)) return;
    add(after, node, out);
    add(before, node, live);
  });
  return { before, after };
}

/** The backward walk behind both: `observe` sees each node walked with what is live after and before it. */
function liveness(body: IrNode, observe?: (node: IrNode, out: ReadonlySet<number>, live: ReadonlySet<number>) => void): Map<IrLoop, LiveAfterLoop> {
  const after = new Map<IrLoop, LiveAfterLoop>();
  const labels = new Map<string, Set<number>>();
  /** Labels branched to from inside the loops being walked: each loop collects where its ways out lead. */
  const leaving: Array<{ outside: ReadonlySet<string>; live: LiveAfterLoop }> = [];

  const union = (a: Iterable<number>, b: Iterable<number>) => new Set([...a, ...b]);
  const target = (name: string): Set<number> => {
    const there = labels.get(name) ?? new Set<number>();
    for (const open of leaving) if (open.outside.has(name)) open.live.labels.set(name, union(open.live.labels.get(name) ?? [], there));
    return there;
  };
  const sequence = (nodes: readonly IrNode[], out: Set<number>): Set<number> => {
    let live = out;
    for (let i = nodes.length - 1; i >= 0; i--) live = walk(nodes[i]!, live);
    return live;
  };

  const walk = (node: IrNode, out: Set<number>): Set<number> => {
    const live = liveBefore(node, out);
    observe?.(node, out, live);
    return live;
  };

  const liveBefore = (node: IrNode, out: Set<number>): Set<number> => {
    switch (node.kind) {
      case 'local.get': return union(out, [node.local]);
      case 'local.set': {
        const rest = new Set(out);
        rest.delete(node.local);
        return walk(node.value, rest);
      }
      case 'block': {
        const saved = node.label ? labels.get(node.label) : undefined;
        if (node.label) labels.set(node.label, out);
        const live = sequence(node.children, out);
        if (node.label) saved ? labels.set(node.label, saved) : labels.delete(node.label);
        return live;
      }
      case 'loop': {
        const saved = node.label ? labels.get(node.label) : undefined;
        const open = { outside: new Set(labels.keys()), live: { fall: new Set(out), labels: new Map<string, Set<number>>(), header: new Set<number>() } };
        leaving.push(open);
        let header = new Set<number>();
        for (;;) {
          if (node.label) labels.set(node.label, header);
          const live = walk(node.body, out);
          if (live.size === header.size && [...live].every((l) => header.has(l))) break;
          header = union(header, live);
        }
        leaving.pop();
        if (node.label) saved ? labels.set(node.label, saved) : labels.delete(node.label);
        open.live.header = header;
        after.set(node, merged(after.get(node), open.live));
        return header;
      }
      case 'if': {
        const arms = union(walk(node.ifTrue, out), node.ifFalse ? walk(node.ifFalse, out) : out);
        return walk(node.condition, arms);
      }
      case 'br': {
        const there = target(node.label);
        let live = node.condition ? union(there, out) : there;
        if (node.condition) live = walk(node.condition, live);
        return node.value ? walk(node.value, live) : live;
      }
      case 'br_table': {
        let live = new Set<number>();
        for (const name of [node.defaultLabel, ...node.labels]) live = union(live, target(name));
        live = walk(node.index, live);
        return node.value ? walk(node.value, live) : live;
      }
      case 'return': return node.value ? walk(node.value, new Set()) : new Set();
      case 'unreachable': return new Set();
      default: return sequence(childrenOf(node), out);
    }
  };
  walk(body, new Set());
  return after;
}

/** A loop walked more than once (inside another loop's fixpoint): what any of the walks found live. */
function merged(known: LiveAfterLoop | undefined, found: LiveAfterLoop): LiveAfterLoop {
  if (!known) return found;
  const labels = new Map(known.labels);
  for (const [name, live] of found.labels) labels.set(name, new Set([...(labels.get(name) ?? []), ...live]));
  return { fall: new Set([...known.fall, ...found.fall]), labels, header: new Set([...known.header, ...found.header]) };
}
