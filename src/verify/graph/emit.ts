import { bvLit, smtOf, sortText, type SmtDeclarations } from './semantics.js';
import type { Mem, Sort, Term } from './terms.js';

/**
 * SMT-LIB text for assertions over graph terms. Every compound term is written once, as a `define-fun`
 * named after its id, so the text grows linearly with the graph; inputs are declared under their own names
 * (what a model reports and replay reads). Terms the graph treats as opaque — a loop's exit values, which no
 * query may unroll — and terms the caller abstracts are declared as free constants: both sides that share
 * such a term share the constant, which is sound for proving them equal (a free constant stands for any
 * value, this one's included).
 */

/** Where a model's memory bytes are read for replay: the address and each byte of the entry memory there. */
export interface Probe {
  addr: string;
  bytes: string[];
}

export interface Emitted {
  text: string;
  probes: Probe[];
  /** Names of the uninterpreted functions used (what a counterexample may depend on without being real). */
  functions: Set<string>;
  /** How many terms were abstracted or opaque. */
  opaque: number;
}

export interface EmitOptions {
  /** Terms written as free constants instead of by their definition. */
  abstract?: ReadonlySet<Term>;
  /** The entry memory: each load and store is probed against it so a model can be replayed. */
  entryMemory?: Mem;
}

const OPAQUE_OPS = new Set(['exit', 'exited', 'lparam', 'loop', 'unknown']);

export function emitAssertions(assertions: readonly Term[], options: EmitOptions = {}): Emitted {
  const lines: string[] = [];
  const names = new Map<Term, string>();
  const funs = new Map<string, string>();
  const functions = new Set<string>();
  const probes: Probe[] = [];
  let opaque = 0;
  let fresh = 0;
  const decls: SmtDeclarations = {
    fun(name, args, result) {
      const signature = `(${args.map(sortText).join(' ')}) ${sortText(result)}`;
      const known = funs.get(name);
      if (known !== undefined && known !== signature) throw new Error(`uninterpreted function ${name} used at two signatures`);
      if (known === undefined) {
        funs.set(name, signature);
        lines.push(`(declare-fun ${name} ${signature})`);
      }
      functions.add(name);
      return name;
    },
  };
  const declare = (name: string, sort: Sort) => lines.push(`(declare-const ${name} ${sortText(sort)})`);
  const probe = (mem: Term, addr: string, count: number) => {
    const entry = options.entryMemory;
    if (!entry) return;
    const aw = mem.sort === 'mem64' ? 64 : 32;
    const p = `probe${fresh++}`;
    lines.push(`(declare-const ${p} (_ BitVec ${aw}))`, `(assert (= ${p} ${addr}))`);
    const bytes: string[] = [];
    for (let k = 0; k < count; k++) {
      const b = `probe${fresh++}`;
      const at = k === 0 ? p : `(bvadd ${p} ${bvLit(BigInt(k), aw)})`;
      lines.push(`(declare-const ${b} (_ BitVec 8))`, `(assert (= ${b} (select ${names.get(entry) ?? ''} ${at})))`);
      bytes.push(b);
    }
    probes.push({ addr: p, bytes });
  };
  const leaf = (t: Term): boolean => {
    if (t.op === 'const' || t.op === 'bool') {
      names.set(t, smtOf(t, [], decls));
      return true;
    }
    if (t.op === 'var') {
      const name = t.data as string;
      declare(name, t.sort);
      names.set(t, name);
      return true;
    }
    if (OPAQUE_OPS.has(t.op) || options.abstract?.has(t)) {
      const name = `o${t.id}`;
      declare(name, t.sort);
      names.set(t, name);
      opaque++;
      return true;
    }
    return false;
  };
  if (options.entryMemory) {
    // Declared first, so that probes can name it whether or not the assertions read it.
    leaf(options.entryMemory);
  }
  // Post-order without recursion: bodies nest deeper than the stack allows.
  const stack: Array<[Term, boolean]> = assertions.map((t) => [t, false]);
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (names.has(t)) continue;
    if (!expanded) {
      if (leaf(t)) continue;
      stack.push([t, true]);
      for (const a of t.args) if (!names.has(a)) stack.push([a, false]);
      continue;
    }
    const args = t.args.map((a) => names.get(a)!);
    const name = `t${t.id}`;
    lines.push(`(define-fun ${name} () ${sortText(t.sort)} ${smtOf(t, args, decls)})`);
    names.set(t, name);
    if (t.op === 'load') probe(t.args[0]!, args[1]!, t.width / 8);
    else if (t.op === 'store') probe(t.args[0]!, args[1]!, t.args[2]!.width / 8);
  }
  for (const a of assertions) if (a.op !== 'bool' || a.data !== true) lines.push(`(assert ${names.get(a)})`);
  return { text: `${lines.join('\n')}\n`, probes, functions, opaque };
}
