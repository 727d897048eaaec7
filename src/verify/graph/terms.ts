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

/** What identifies a term: its operator, sort, data and arguments (by identity). */
export interface TermParts {
  readonly op: Op;
  readonly sort: Sort;
  readonly args: readonly Term[];
  readonly data: TermData;
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** Operators' and sorts' hashes, computed once (both are few; names in data are hashed each time, unkept). */
const tagHashes = new Map<string, number>();

function hashTag(tag: Op | Sort): number {
  let h = tagHashes.get(tag);
  if (h === undefined) tagHashes.set(tag, (h = hashString(tag)));
  return h;
}

function hashData(data: TermData): number {
  switch (typeof data) {
    case 'bigint': return Number(BigInt.asUintN(31, data));
    case 'number': return data | 0;
    case 'boolean': return data ? 1 : 2;
    case 'string': return hashString(data);
    case 'object':
      if (data === null) return 0;
      // A loop by its key; a loop-carried value by its loop's key and index; an extract by its bits.
      if ('key' in data) return data.key;
      return Math.imul(data[0] as number, 31) + (data[1] as number);
  }
}

/** Loops are equal by key; tuples (extract bits, loop-carried values) element by element. */
function sameData(x: TermData, y: TermData): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if ('key' in x || 'key' in y) return 'key' in x && 'key' in y && x.key === y.key;
  const xs = x as readonly unknown[];
  const ys = y as readonly unknown[];
  return xs.length === ys.length && xs.every((v, i) => v === ys[i]);
}

export function hashParts(op: Op, sort: Sort, args: readonly Term[], data: TermData): number {
  let h = Math.imul(hashTag(op), 31) ^ hashTag(sort);
  h = Math.imul(h, 0x01000193) ^ hashData(data);
  for (const a of args) h = Math.imul(h, 0x01000193) ^ a.id;
  return h;
}

function sameParts(entry: TermParts, op: Op, sort: Sort, args: readonly Term[], data: TermData): boolean {
  if (entry.op !== op || entry.sort !== sort || entry.args.length !== args.length || !sameData(entry.data, data)) return false;
  for (let i = 0; i < args.length; i++) if (entry.args[i] !== args[i]) return false;
  return true;
}

/**
 * Entries found by a term's parts, compared by value (arguments by identity): hash-consing without building a
 * string key per lookup, which was a fifth of a graph check's time with the garbage it left.
 */
export class PartsMap<E extends TermParts> {
  private readonly buckets = new Map<number, E | E[]>();
  size = 0;

  get(hash: number, op: Op, sort: Sort, args: readonly Term[], data: TermData): E | undefined {
    const bucket = this.buckets.get(hash);
    if (bucket === undefined) return undefined;
    if (!Array.isArray(bucket)) return sameParts(bucket as E, op, sort, args, data) ? (bucket as E) : undefined;
    for (const entry of bucket) if (sameParts(entry, op, sort, args, data)) return entry;
    return undefined;
  }

  /** `entry` must not be in the map (get said so). */
  add(hash: number, entry: E): void {
    const bucket = this.buckets.get(hash);
    if (bucket === undefined) this.buckets.set(hash, entry);
    else if (Array.isArray(bucket)) bucket.push(entry);
    else this.buckets.set(hash, [bucket as E, entry]);
    this.size++;
  }
}

/** Why a graph was given up: too many terms, its share of the check's work spent, or (a safeguard) its time. */
export type BudgetLimit = 'terms' | 'work' | 'time';

/** A graph grew past its budget: the encoding is given up. */
export class GraphBudgetExceeded extends Error {
  constructor(readonly terms: number, readonly limit: BudgetLimit) {
    // At 0 terms the work was spent before this graph started (by the check's earlier attempts, calls opaque or
    // local change, or a budget of nothing): a tree-sitter function of 25,758 expressions read "the graph passed
    // its work budget at 0 terms" after 3.5 s of building the attempt before it.
    super(terms === 0 && limit === 'work' ? "the check's work budget ran out before this graph held a term" : `the graph passed its ${limit} budget at ${terms} terms`);
  }
}

/**
 * What the graphs of one check may still cost, counted in terms interned (found or added) and in what the
 * builder and encoder charge for work around them (Graph.charge: operands normalised, entries merged, terms
 * a walk visits): a count, not a clock, so that a check decides the same way on a busy machine as on a
 * quiet one. Every graph the check builds draws from it.
 */
export class GraphWork {
  constructor(public left: number) {}
}

/** Bounds on one graph: a query that needs more is not worth building (its SMT text would be refused too). */
export interface GraphBudget {
  maxTerms: number;
  work: GraphWork;
  /**
   * performance.now() past which building stops whatever work is left: only a safeguard against a pair whose
   * work the count misjudges, far beyond what the work allows on a machine like the one it was measured on.
   */
  deadline: number;
}

/** The hash-consing table. Terms are never removed; a graph lives as long as one check. */
export class Graph {
  private readonly table = new PartsMap<Term>();
  private nextLoopKey = 0;
  private charges = 0;

  constructor(private readonly budget?: GraphBudget) {}

  get size(): number {
    return this.table.size;
  }

  /** Work besides interning (GraphWork), drawn from the same budget. */
  charge(visited: number): void {
    if (!this.budget) return;
    if ((this.budget.work.left -= visited) < 0) throw new GraphBudgetExceeded(this.table.size, 'work');
    // Work that interns nothing (a loop match walking terms it has) must not outlive the deadline either.
    if (++this.charges % 1024 === 0 && performance.now() > this.budget.deadline) throw new GraphBudgetExceeded(this.table.size, 'time');
  }

  /** The one term with these parts (no normalisation here: see build.ts). */
  intern<S extends Sort>(op: Op, sort: S, args: readonly Term[], data: TermData = null): Term<S> {
    if (this.budget && --this.budget.work.left < 0) throw new GraphBudgetExceeded(this.table.size, 'work');
    const hash = hashParts(op, sort, args, data);
    const found = this.table.get(hash, op, sort, args, data);
    if (found) return found as Term<S>;
    if (this.budget) {
      if (this.table.size >= this.budget.maxTerms) throw new GraphBudgetExceeded(this.table.size, 'terms');
      if (this.table.size % 1024 === 0 && performance.now() > this.budget.deadline) throw new GraphBudgetExceeded(this.table.size, 'time');
    }
    const term: Term<S> = { id: this.table.size, op, sort, width: widthOfSort(sort), args, data };
    this.table.add(hash, term);
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
