import { forEachNode, signatureOf, type IrFunction, type IrModule } from '../wasm/ir.js';

/**
 * What of a module can run, and what can be seen. Which functions can run at all: A function runs only when something calls it: the host
 * (an export, the start function, a slot of a table the host can reach — imported or exported — or a
 * reference a `ref.func` handed out), or a function that runs, directly or through a `call_indirect`. A
 * `call_indirect` on a table can reach only the slots whose function has the signature it names (any other
 * traps), so a slot no `call_indirect` of its signature reaches never runs: binaryen's
 * remove-unused-module-elements replaces such bodies by `unreachable`, and that change is invisible.
 *
 * In `atoll verify`, a changed function the candidate cannot call is `proved (unreachable)`: the candidate's
 * behaviour is that of what runs, and every function that runs is checked on its own (and every export,
 * the start and each reachable table slot is matched to the base's by the module check).
 */

/**
 * The mutable globals whose value something can see: read by a function of either module, exported, or
 * imported (the host holds it). A global only ever written (binaryen's simplify-globals drops such writes,
 * and then the global) is no behaviour, not even in the state at a trap.
 */
export function observableGlobals(base: IrModule, candidate: IrModule): Set<string> {
  const seen = new Set<string>();
  for (const m of [base, candidate]) {
    for (const g of m.globals) if (g.imported) seen.add(g.name);
    for (const e of m.exports) if (e.kind === 'global') seen.add(e.value);
    for (const fn of m.functions) forEachNode(fn.body, (n) => { if (n.kind === 'global.get') seen.add(n.global); });
  }
  return seen;
}

/** Constructs that call or redirect calls in ways this analysis does not follow: when one runs, it gives up. */
const UNFOLLOWED = /^(Call|CallIndirect|CallRef|Table(Set|Grow|Fill|Copy|Init)|Resume\w*|Suspend|Cont\w*|StackSwitch|expression id \d+)$/;

/**
 * The functions of `m` that can run, or undefined when that cannot be decided: the module's references are
 * unknown, an element segment could not be read, or code that runs calls through a reference, with a tail
 * call binaryen.js does not describe, or changes a table.
 */
export function callableFunctions(m: IrModule): Set<string> | undefined {
  if (!m.references || m.elements.some((e) => e.unreadable)) return undefined;
  const functions = new Map(m.functions.map((f) => [f.name, f]));
  const hostTables = new Set(m.tables.filter((t) => t.imported).map((t) => t.name));
  for (const e of m.exports) if (e.kind === 'table') hostTables.add(e.value);
  const roots = [
    ...m.exports.filter((e) => e.kind === 'function').map((e) => e.value),
    ...(m.start ? [m.start] : []),
    ...m.references,
    ...m.elements.filter((e) => hostTables.has(e.table)).flatMap((e) => e.functions),
  ];
  const callable = new Set<string>();
  /** Table and signature of every call_indirect in code that runs. */
  const indirect = new Set<string>();
  const work: string[] = [];
  const reach = (name: string) => {
    if (callable.has(name)) return;
    callable.add(name);
    work.push(name);
  };
  const slotKey = (table: string, fn: IrFunction | undefined) => fn && `${table} ${signatureOf(fn)}`;
  roots.forEach(reach);
  for (;;) {
    while (work.length > 0) {
      const fn = functions.get(work.pop()!);
      let unfollowed = false;
      forEachNode(fn?.body ?? null, (n) => {
        if (n.kind === 'call') reach(n.target);
        else if (n.kind === 'call_indirect') indirect.add(`${n.table} ${signatureOf(n)}`);
        else if (n.kind === 'unsupported' && UNFOLLOWED.test(n.what)) unfollowed = true;
      });
      if (unfollowed) return undefined;
    }
    // Slots a call_indirect of their signature reaches; new ones may add call_indirects, so go round again.
    const before = callable.size;
    for (const e of m.elements) {
      for (const name of e.functions) if (indirect.has(slotKey(e.table, functions.get(name)) ?? '')) reach(name);
    }
    if (callable.size === before && work.length === 0) return callable;
  }
}
