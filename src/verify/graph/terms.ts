/**
 * The value graph's terms: one hash-consed DAG for both sides of a pair. A term is an operator applied to
 * terms, with a sort; building a term that exists returns the existing one, so identical subterms of the two
 * functions are one node and "equal" is "the same node". What each operator means is in semantics.ts; how
 * terms are put into normal form as they are built is in build.ts and rules.ts.
 */

/**
 * Bool, a bit-vector of some width, linear memory (32- or 64-bit addresses, bytes), the world token, and
 * the sort of a loop term (which only `exit` and `exited` terms read).
 */
export type Sort = 'bool' | `bv${number}` | 'mem32' | 'mem64' | 'world' | 'loop';
export type BvSort<W extends number = number> = `bv${W}`;
export type MemSort = 'mem32' | 'mem64';

export type Op =
  // constants and inputs
  | 'const' | 'bool' | 'var'
  // bit-vector arithmetic (add, mul, and, or, xor are n-ary, their arguments in canonical order)
  | 'add' | 'mul' | 'and' | 'or' | 'xor' | 'shl' | 'lshr' | 'ashr' | 'rotl' | 'rotr'
  | 'divs' | 'divu' | 'rems' | 'remu' | 'clz' | 'ctz' | 'popcnt'
  | 'zext' | 'sext' | 'extract' | 'concat' | 'b2bv'
  // booleans (band and bor are n-ary)
  | 'not' | 'band' | 'bor' | 'eq' | 'ult' | 'slt'
  // any sort
  | 'ite'
  // memory: reads and writes of whole little-endian values; fill and copy of a range
  | 'load' | 'store' | 'fill' | 'copy'
  // uninterpreted functions (float operators, opaque calls, memory.grow), float→int truncation
  | 'uf' | 'trunc' | 'truncTrap'
  // loops: a loop (its body lives in its data), a loop-carried value at the header, and what leaving it gives
  | 'loop' | 'lparam' | 'exit' | 'exited'
  // a value nothing is known about (one of its kind: its data is a fresh number)
  | 'unknown';

/**
 * Per operator: extract → [hi, lo]; load/store → byte count; uf → the function's name; const → value;
 * lparam → its loop's key, its index, and the bits its loop showed are zero and one at every header; …
 */
export type TermData = bigint | boolean | string | number | readonly [number, number] | ParamData | LoopData | null;

export type ParamData = readonly [key: number, index: number, zeros: bigint, ones: bigint];

export interface Term<S extends Sort = Sort> {
  readonly id: number;
  readonly op: Op;
  readonly sort: S;
  /** The width of a bit-vector sort, 0 for other sorts. */
  readonly width: number;
  readonly args: readonly Term[];
  readonly data: TermData;
}

export type Bool = Term<'bool'>;
export type BV<W extends number = number> = Term<BvSort<W>>;
export type Mem = Term<MemSort>;
export type World = Term<'world'>;

/**
 * A loop as the graph holds it: its carried values at the header (`params`, terms of op `lparam`), what they
 * hold on entry (the loop term's arguments), and per iteration, in terms of the params: the values carried
 * to the next iteration and the guards of each way out (index 0 is the trap). Two loops are one term only
 * when they are this very object (see loops.ts for how a candidate's loop is shown to be a base's).
 */
export interface LoopData {
  readonly key: number;
  readonly params: readonly Term[];
  readonly next: readonly Term[];
  /** The iteration goes round again. */
  readonly again: Bool;
  /** Per exit (0: a trap in the iteration), the guard under which the iteration leaves that way. */
  readonly exits: readonly Bool[];
}

export const bvSort = (width: number): BvSort => `bv${width}`;

export function widthOfSort(sort: Sort): number {
  return sort.startsWith('bv') ? Number(sort.slice(2)) : 0;
}

export const isBv = (t: Term): t is BV => t.width > 0;
export const isBool = (t: Term): t is Bool => t.sort === 'bool';

/** The constant's value, unsigned, when `t` is a bit-vector constant. */
export const constValue = (t: Term): bigint | undefined => (t.op === 'const' ? (t.data as bigint) : undefined);

export const mask = (width: number): bigint => (1n << BigInt(width)) - 1n;

/** The hash-consing key of a term with these parts. */
export function termKey(op: Op, sort: Sort, args: readonly Term[], data: TermData): string {
  let key = `${op}|${sort}|${dataKey(data)}`;
  for (const a of args) key += `|${a.id}`;
  return key;
}

function dataKey(data: TermData): string {
  if (data === null) return '';
  if (typeof data === 'object' && 'key' in data) return `L${data.key}`;
  return String(data);
}

/** The hash-consing table. Terms are never removed; a graph lives as long as one check. */
/** A graph grew past its budget (terms, or the time to build them): the encoding is given up. */
export class GraphBudgetExceeded extends Error {}

/** Bounds on one graph: a query that needs more is not worth building (its SMT text would be refused too). */
export interface GraphBudget {
  maxTerms: number;
  /** performance.now() past which building stops. */
  deadline: number;
}

export class Graph {
  private readonly table = new Map<string, Term>();
  private nextLoopKey = 0;

  constructor(private readonly budget?: GraphBudget) {}

  get size(): number {
    return this.table.size;
  }

  /** The one term with these parts (no normalisation here: see build.ts). */
  intern<S extends Sort>(op: Op, sort: S, args: readonly Term[], data: TermData = null): Term<S> {
    const key = termKey(op, sort, args, data);
    const found = this.table.get(key);
    if (found) return found as Term<S>;
    if (this.budget && (this.table.size >= this.budget.maxTerms || (this.table.size % 1024 === 0 && performance.now() > this.budget.deadline))) {
      throw new GraphBudgetExceeded(`the graph passed its budget at ${this.table.size} terms`);
    }
    const term: Term<S> = { id: this.table.size, op, sort, width: widthOfSort(sort), args, data };
    this.table.set(key, term);
    return term;
  }

  loopKey(): number {
    return this.nextLoopKey++;
  }
}

/**
 * A value for `root` computed from its inputs' values, bottom-up and without recursion (the graph's terms can
 * be chains thousands deep: unrolled hash rounds); `memo` keeps the value of every term visited.
 */
export function foldTerms<T>(
  root: Term,
  inputs: (t: Term) => readonly Term[],
  memo: Map<Term, T> | WeakMap<Term, T>,
  value: (t: Term, of: (input: Term) => T) => T,
): T {
  const of = (input: Term) => memo.get(input)!;
  const stack: Array<[Term, boolean]> = [[root, false]];
  while (stack.length > 0) {
    const [u, ready] = stack.pop()!;
    if (memo.has(u)) continue;
    if (!ready) {
      stack.push([u, true]);
      for (const a of inputs(u)) if (!memo.has(a)) stack.push([a, false]);
      continue;
    }
    memo.set(u, value(u, of));
  }
  return of(root);
}
