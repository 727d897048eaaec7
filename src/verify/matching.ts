import type { IrFunction, IrModule } from '../wasm/ir.js';
import { forEachNode } from './context.js';

/** Base function name → candidate function name. */
export type FunctionPairs = Map<string, string>;

function callSequence(fn: IrFunction): string[] {
  const calls: string[] = [];
  forEachNode(fn.body, (n) => {
    if (n.kind === 'call' && n.name) calls.push(n.name);
  });
  return calls;
}

/**
 * Pairs functions by name when both modules kept their names. Otherwise (e.g. wasm-opt's output without a
 * name section) by export names, imports, table slots, and then by position in the call graph: when two
 * paired functions make the same number of direct calls, their k-th callees pair up.
 */
export function matchFunctions(base: IrModule, candidate: IrModule): FunctionPairs {
  const pairs: FunctionPairs = new Map();
  const candidateNames = new Set(candidate.functions.map((f) => f.name));
  if (base.named && candidate.named) {
    for (const fn of base.functions) if (candidateNames.has(fn.name)) pairs.set(fn.name, fn.name);
    return pairs;
  }
  const taken = new Set<string>();
  const pair = (a: string, b: string) => {
    if (pairs.has(a) || taken.has(b)) return;
    pairs.set(a, b);
    taken.add(b);
  };
  const candidateExports = new Map(candidate.exports.filter((e) => e.kind === 'function').map((e) => [e.name, e.value]));
  for (const e of base.exports) {
    const target = candidateExports.get(e.name);
    if (e.kind === 'function' && target) pair(e.value, target);
  }
  const candidateImports = new Map(candidate.functions.filter((f) => f.imported).map((f) => [`${f.imported!.module}.${f.imported!.base}`, f.name]));
  for (const fn of base.functions) {
    const target = fn.imported && candidateImports.get(`${fn.imported.module}.${fn.imported.base}`);
    if (target) pair(fn.name, target);
  }
  if (base.start && candidate.start) pair(base.start, candidate.start);
  const baseByName = new Map(base.functions.map((f) => [f.name, f]));
  const candidateByName = new Map(candidate.functions.map((f) => [f.name, f]));
  const queue = [...pairs];
  while (queue.length > 0) {
    const [a, b] = queue.shift()!;
    const calls = callSequence(baseByName.get(a)!);
    const otherCalls = callSequence(candidateByName.get(b)!);
    if (calls.length !== otherCalls.length) continue;
    calls.forEach((callee, k) => {
      if (pairs.has(callee) || taken.has(otherCalls[k]!)) return;
      pair(callee, otherCalls[k]!);
      queue.push([callee, otherCalls[k]!]);
    });
  }
  return pairs;
}
