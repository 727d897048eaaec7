import { canonicalFunction, forEachNode, sameSignature, type IrCall, type IrFunction, type IrGlobalGet, type IrGlobalSet, type IrModule } from '../wasm/ir.js';

/** Base function name → candidate function name. */
export type FunctionPairs = Map<string, string>;

/** How the functions and globals of a base module correspond to a candidate's. */
export interface ModuleMatch {
  functions: FunctionPairs;
  /** Base global name → candidate global name. */
  globals: Map<string, string>;
  /**
   * Base functions paired by a guess (position in the call graph, a body identical up to names) rather than
   * by something the modules declare (a name, an export, an import, the start, a table slot). A difference
   * found between a guessed pair may mean the guess was wrong, not that the optimizer was.
   */
  guessed: Set<string>;
}

/** Alignments bigger than this (cells of the table) fall back to pairing sequences of equal length only. */
const ALIGNMENT_CELLS = 4_000_000;


interface References {
  calls: IrCall[];
  accesses: Array<IrGlobalGet | IrGlobalSet>;
}

/** The calls and global accesses of each function, walked once however often the matching loop asks. */
const referencesOf = new WeakMap<IrFunction, References>();

const referenceCount = (fn: IrFunction) => references(fn).calls.length + references(fn).accesses.length;

function references(fn: IrFunction): References {
  let found = referencesOf.get(fn);
  if (found) return found;
  found = { calls: [], accesses: [] };
  forEachNode(fn.body, (n) => {
    if (n.kind === 'call') found!.calls.push(n);
    else if (n.kind === 'global.get' || n.kind === 'global.set') found!.accesses.push(n);
  });
  referencesOf.set(fn, found);
  return found;
}

/**
 * The longest common subsequence of `a` and `b` under `alike`, as index pairs. Optimizers delete calls
 * (inlining) and global accesses (propagation) but rarely reorder them, so what survives lines up.
 */
export function align<T>(a: readonly T[], b: readonly T[], alike: (x: T, y: T) => boolean): Array<[number, number]> {
  if (a.length === b.length && a.every((x, i) => alike(x, b[i]!))) return a.map((_, i) => [i, i]);
  if (a.length * b.length > ALIGNMENT_CELLS) return [];
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * width + j] = alike(a[i]!, b[j]!)
        ? table[(i + 1) * width + j + 1]! + 1
        : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const out: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (alike(a[i]!, b[j]!) && table[i * width + j] === table[(i + 1) * width + j + 1]! + 1) out.push([i++, j++]);
    else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) i++;
    else j++;
  }
  return out;
}

/** A one-to-one correspondence built up from evidence; the first pairing of either side wins. */
class Correspondence {
  readonly forward = new Map<string, string>();
  private readonly taken = new Set<string>();

  pair(a: string, b: string): boolean {
    if (this.forward.has(a) || this.taken.has(b)) return false;
    this.forward.set(a, b);
    this.taken.add(b);
    return true;
  }

  /** Whether `a` and `b` may stand for each other: already paired together, or both still free. */
  compatible(a: string, b: string): boolean {
    const current = this.forward.get(a);
    return current === undefined ? !this.taken.has(b) : current === b;
  }
}

/**
 * Whether two functions could be one function before and after optimization: the same signature (or, once
 * nothing more pairs so, one the other's could have become), and for a guess from a subsequence also sizes
 * within a factor of two (a 3-node helper is not a 98-node function).
 */
function resemble(a: IrFunction, b: IrFunction, how: 'positional' | 'subsequence', signatures: 'same' | 'may follow'): boolean {
  // A changed signature only position by position: dead-argument elimination keeps every call, and where
  // calls went (inlined) the subsequence would pair the removed function with any callee that has fewer
  // parameters of its types.
  // Sizes within a factor of two as well: where an inlined callee's own call took its place, position by
  // position pairs the callee (7 nodes) with the function it called (511; gofmt's fmtsort.Sort$1 and compare).
  const loose = signatures === 'may follow' && how === 'positional' && !sameSignature(a, b);
  if (!(loose ? signatureMayFollow(a, b) : sameSignature(a, b)) || (a.imported === undefined) !== (b.imported === undefined)) return false;
  return (how === 'positional' && !loose) || Math.max(a.size, b.size) <= 2 * Math.max(1, Math.min(a.size, b.size));
}

/**
 * The same signature, or for two defined functions one dead-argument elimination could have made of the
 * other: parameters a subsequence of the old ones (by type), results the same or dropped. Only guesses use
 * it, and guesses are checked: a pair whose signature changed goes through the signature rule (module-pair.ts)
 * or stays unknown.
 */
function signatureMayFollow(a: IrFunction, b: IrFunction): boolean {
  if (sameSignature(a, b)) return true;
  if (a.imported || b.imported) return false;
  if (b.results.length > 0 && b.results.join() !== a.results.join()) return false;
  let i = 0;
  for (const type of b.params) {
    while (i < a.params.length && a.params[i] !== type) i++;
    if (i++ >= a.params.length) return false;
  }
  return true;
}

/**
 * Pairs functions and globals by name when both modules kept their names. Otherwise (e.g. wasm-opt's output
 * without a name section) from what the modules declare — exports, imports, the start function, table
 * slots — and then by guesses that are checked afterwards anyway: the calls and global accesses of paired
 * functions, aligned in order, pair their targets when the types agree; a function whose body is identical
 * up to the pairs so far pairs with its twin.
 */
export function matchModules(base: IrModule, candidate: IrModule): ModuleMatch {
  if (base.named && candidate.named) {
    const functionNames = new Set(candidate.functions.map((f) => f.name));
    const globalNames = new Set(candidate.globals.map((g) => g.name));
    return {
      functions: new Map(base.functions.filter((f) => functionNames.has(f.name)).map((f) => [f.name, f.name])),
      globals: new Map(base.globals.filter((g) => globalNames.has(g.name)).map((g) => [g.name, g.name])),
      guessed: new Set(),
    };
  }
  const functions = new Correspondence();
  const globals = new Correspondence();
  const guessed = new Set<string>();
  const baseFns = new Map(base.functions.map((f) => [f.name, f]));
  const candidateFns = new Map(candidate.functions.map((f) => [f.name, f]));
  const baseGlobals = new Map(base.globals.map((g) => [g.name, g]));
  const candidateGlobals = new Map(candidate.globals.map((g) => [g.name, g]));
  const pairFunctions = (a: string, b: string, guess: boolean) => {
    const fa = baseFns.get(a);
    const fb = candidateFns.get(b);
    if (!fa || !fb || !(guess && signatures === 'may follow' ? signatureMayFollow(fa, fb) : sameSignature(fa, fb)) || !functions.pair(a, b)) return;
    if (guess) guessed.add(a);
  };

  // What the modules declare.
  const candidateExports = new Map(candidate.exports.map((e) => [`${e.kind} ${e.name}`, e.value]));
  for (const e of base.exports) {
    const target = candidateExports.get(`${e.kind} ${e.name}`);
    if (target === undefined) continue;
    if (e.kind === 'function') pairFunctions(e.value, target, false);
    if (e.kind === 'global') globals.pair(e.value, target);
  }
  const importKey = (i: { module: string; base: string } | undefined) => i && `${i.module}.${i.base}`;
  const candidateFnImports = new Map(candidate.functions.filter((f) => f.imported).map((f) => [importKey(f.imported), f.name]));
  for (const fn of base.functions) {
    const target = candidateFnImports.get(importKey(fn.imported));
    if (target) pairFunctions(fn.name, target, false);
  }
  const candidateGlobalImports = new Map(candidate.globals.filter((g) => g.imported).map((g) => [importKey(g.imported), g.name]));
  for (const g of base.globals) {
    const target = candidateGlobalImports.get(importKey(g.imported));
    if (target) globals.pair(g.name, target);
  }
  if (base.start && candidate.start) pairFunctions(base.start, candidate.start, false);
  const slots = (m: IrModule) => new Map(m.elements.flatMap((e) => e.functions.map((fn, i) => [`${e.table}[${e.offset ?? `?${e.name}`}+${i}]`, fn] as const)));
  const candidateSlots = slots(candidate);
  for (const [slot, fn] of slots(base)) {
    const target = candidateSlots.get(slot);
    if (target) pairFunctions(fn, target, false);
  }

  // Guesses, the surer ones first, until nothing new pairs: identical bodies, then reference sequences of
  // equal length position by position, and only when those are exhausted the longest common subsequence.
  // Functions pair with the same signature first; once nothing more pairs so, also with a signature
  // dead-argument elimination could have made (a function that kept its signature pairs with its own first).
  let signatures: 'same' | 'may follow' = 'same';
  const pairedSoFar = () => functions.forward.size + globals.forward.size;
  for (;;) {
    const paired = pairedSoFar();
    pairTwins();
    for (const [a, b] of [...functions.forward]) alignReferences(baseFns.get(a)!, candidateFns.get(b)!, 'positional');
    if (paired === pairedSoFar()) {
      // One subsequence at a time, the shortest (least ambiguous) first; what it pairs may settle the rest surely.
      const bySequenceLength = [...functions.forward].map(([a, b]) => [baseFns.get(a)!, candidateFns.get(b)!] as const)
        .map(([fa, fb]) => ({ fa, fb, cells: referenceCount(fa) * referenceCount(fb) }))
        .sort((x, y) => x.cells - y.cells);
      for (const { fa, fb } of bySequenceLength) {
        alignReferences(fa, fb, 'subsequence');
        if (paired !== pairedSoFar()) break;
      }
    }
    if (paired !== pairedSoFar()) signatures = 'same';
    else if (signatures === 'same') signatures = 'may follow';
    else break;
  }

  function alignReferences(fa: IrFunction, fb: IrFunction, how: 'positional' | 'subsequence'): void {
    const lineUp = <T>(a: readonly T[], b: readonly T[], alike: (x: T, y: T) => boolean) =>
      how === 'subsequence' ? align(a, b, alike) : a.length === b.length ? a.map((_, i) => [i, i] as [number, number]).filter(([i]) => alike(a[i]!, b[i]!)) : [];
    const { calls: callsA, accesses: accessesA } = references(fa);
    const { calls: callsB, accesses: accessesB } = references(fb);
    const calls = lineUp(callsA, callsB, (x, y) => functions.compatible(x.target, y.target) && resemble(baseFns.get(x.target)!, candidateFns.get(y.target)!, how, signatures));
    for (const [i, j] of calls) pairFunctions(callsA[i]!.target, callsB[j]!.target, true);
    const accesses = lineUp(accessesA, accessesB, (x, y) =>
      x.kind === y.kind && globals.compatible(x.global, y.global) && baseGlobals.get(x.global)?.type === candidateGlobals.get(y.global)?.type);
    for (const [i, j] of accesses) globals.pair(accessesA[i]!.global, accessesB[j]!.global);
  }

  /**
   * Unpaired functions whose bodies are identical once paired names are substituted and unpaired ones
   * blanked out, when exactly one function on each side has that body.
   */
  function pairTwins(): void {
    const byText = (fns: IrFunction[], rename: (kind: 'call' | 'global', name: string) => string) => {
      const groups = new Map<string, string[]>();
      for (const fn of fns) {
        if (fn.imported || !fn.body) continue;
        const text = canonicalFunction(fn, rename);
        groups.set(text, [...(groups.get(text) ?? []), fn.name]);
      }
      return groups;
    };
    const pairedFunctions = new Set(functions.forward.values());
    const pairedGlobals = new Set(globals.forward.values());
    const textsA = byText(base.functions.filter((f) => !functions.forward.has(f.name)), (kind, name) =>
      (kind === 'call' ? functions.forward.get(name) : globals.forward.get(name)) ?? '?');
    const textsB = byText(candidate.functions.filter((f) => !pairedFunctions.has(f.name)), (kind, name) =>
      ((kind === 'call' ? pairedFunctions : pairedGlobals).has(name) ? name : '?'));
    for (const [text, names] of textsA) {
      const twins = textsB.get(text);
      if (names.length === 1 && twins?.length === 1) pairFunctions(names[0]!, twins[0]!, true);
    }
  }

  return { functions: functions.forward, globals: globals.forward, guessed };
}
