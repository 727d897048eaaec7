import type binaryenNs from 'binaryen';
import { extractModule, sameSignature, someNode, forEachNode, type IrFunction } from '../wasm/ir.js';

type Binaryen = typeof binaryenNs;

export interface MosaicPlan {
  /** Functions whose donor body goes into the mosaic. */
  taken: string[];
  /** Functions no longer reachable once the donor bodies are in (inlined into them), removed. */
  removed: string[];
  /** Proved functions left at their base body, and why. */
  skipped: Array<{ name: string; why: string }>;
}

/**
 * Builds a mosaic in `base`: for each function in `proved` (shown equivalent between base and donor), the
 * donor's body replaces the base's, when it can live there. binaryen IR refers to functions and globals by
 * name, so a body can be copied between modules of one thread; what must hold is that everything the body
 * refers to exists in the base with the same type. Whether each moved body still means the same among the
 * base's other functions (a callee the verifier inlined may have kept its base body) is not assumed: the
 * engine verifies the finished mosaic against the base again, and drops what that does not prove.
 */
export function buildMosaic(binaryen: Binaryen, base: binaryenNs.Module, donor: binaryenNs.Module, proved: readonly string[]): MosaicPlan {
  const irBase = extractModule(binaryen, base);
  const irDonor = extractModule(binaryen, donor);
  const baseFns = new Map(irBase.functions.map((f) => [f.name, f]));
  const donorFns = new Map(irDonor.functions.map((f) => [f.name, f]));
  const baseGlobals = new Map(irBase.globals.map((g) => [g.name, g]));
  const donorGlobals = new Map(irDonor.globals.map((g) => [g.name, g]));
  const skipped: MosaicPlan['skipped'] = [];
  const candidates = new Set<string>();

  for (const name of proved) {
    const a = baseFns.get(name);
    const b = donorFns.get(name);
    const why = !a || !b
      ? 'missing on one side'
      : a.imported || b.imported
        ? 'an import'
        : !sameSignature(a, b)
          ? 'signature differs'
          : foreignReference(b, baseFns, baseGlobals, donorGlobals);
    if (why) skipped.push({ name, why });
    else candidates.add(name);
  }
  const taken = [...candidates].sort();
  for (const name of taken) {
    const from = binaryen.getFunctionInfo(donor.getFunction(name));
    const into = binaryen.getFunctionInfo(base.getFunction(name));
    const body = base.copyExpression(from.body);
    base.removeFunction(name);
    base.addFunction(name, into.params, into.results, from.vars, body);
  }
  return { taken, skipped, removed: removeUnreachable(binaryen, base) };
}

/**
 * Removes defined functions that nothing can reach any more: not exported, not in a table, not the start,
 * not called from a reachable function. Skipped entirely when a body holds an expression the IR does not
 * model (it might be a `ref.func`) or a global has a non-constant initializer. The module check verifies
 * the removals again.
 */
function removeUnreachable(binaryen: Binaryen, module: binaryenNs.Module): string[] {
  const ir = extractModule(binaryen, module);
  const opaque =
    ir.functions.some((f) => someNode(f.body, (n) => n.kind === 'unsupported')) ||
    ir.globals.some((g) => !g.imported && g.init === undefined);
  if (opaque) return [];
  const byName = new Map(ir.functions.map((f) => [f.name, f]));
  const roots = [
    ...ir.exports.filter((e) => e.kind === 'function').map((e) => e.value),
    ...ir.elements.flatMap((e) => e.functions),
    ...(ir.start ? [ir.start] : []),
  ];
  const reached = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (reached.has(name)) continue;
    reached.add(name);
    forEachNode(byName.get(name)?.body ?? null, (n) => {
      if (n.kind === 'call') stack.push(n.target);
    });
  }
  const removed = ir.functions.filter((f) => !f.imported && !reached.has(f.name)).map((f) => f.name);
  for (const name of removed) module.removeFunction(name);
  return removed;
}

/** Why the donor body cannot live in the base module, or undefined when it can. */
function foreignReference(
  fn: IrFunction,
  baseFns: Map<string, IrFunction>,
  baseGlobals: Map<string, { type: string; mutable: boolean }>,
  donorGlobals: Map<string, { type: string; mutable: boolean }>,
): string | undefined {
  let why: string | undefined;
  forEachNode(fn.body, (node) => {
    if (why) return;
    if (node.kind === 'call') {
      if (!baseFns.has(node.target)) why = `calls ${node.target}, which the base does not have`;
    } else if (node.kind === 'global.get' || node.kind === 'global.set') {
      const a = baseGlobals.get(node.global);
      const b = donorGlobals.get(node.global);
      if (!a || !b || a.type !== b.type || a.mutable !== b.mutable) why = `uses global ${node.global}, which differs in the base`;
    } else if (node.kind === 'unsupported') {
      why = `contains ${node.what}, which the mosaic does not move`;
    }
  });
  return why;
}
