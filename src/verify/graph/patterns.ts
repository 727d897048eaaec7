import type { Op, Sort, Term } from './terms.js';
import { constValue, mask } from './terms.js';

/**
 * The pattern language of the rules (rules.ts): S-expressions over the graph's operators.
 *   x y z …   any bit-vector term          p q r …   any Bool term          m n   a memory
 *   C C1 K …  (upper case) a bit-vector constant
 *   x:8       a variable of that width (otherwise every bit-vector has the width of the term matched)
 *   0 1 -1 7  that constant at the width of the term it stands in (-1: all ones)
 *   #w #w-1   the width (minus one) as a constant of that width
 *   true false
 *   (extract.7.0 x) (zext.64 x:32) (sext.32 x:8) (load.4 m a) (store.4 m a v:32)   operators with data
 *   (zeros x) (ones x)   in `pre` only: the bits known to be zero (one) in every value of x, as a constant
 *                        (known-bits.ts); the rule tests take them as free values with that as a hypothesis
 * A variable that occurs twice matches the same term both times.
 */
export type Pattern =
  | { kind: 'var'; name: string; type: 'bv' | 'bool' | 'const' | 'mem'; width?: number }
  | { kind: 'num'; value: bigint }
  | { kind: 'width'; minus: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'op'; op: Op; args: Pattern[]; data?: readonly number[] }
  | { kind: 'fact'; fact: Fact; of: Pattern };

/** What a `(zeros x)` or `(ones x)` pattern stands for. */
export type Fact = 'zeros' | 'ones';
const FACTS = new Set<string>(['zeros', 'ones']);

const BOOL_VARS = /^[pqr]\d*$/;
const MEMORY_VARS = /^[mn]\d*$/;

export function parsePattern(text: string): Pattern {
  const tokens = text.replace(/\(/g, ' ( ').replace(/\)/g, ' ) ').trim().split(/\s+/);
  let pos = 0;
  const read = (): Pattern => {
    const token = tokens[pos++];
    if (token === undefined) throw new Error(`pattern ends early: ${text}`);
    if (token === '(') {
      const [op, ...data] = tokens[pos++]!.split('.');
      const args: Pattern[] = [];
      while (tokens[pos] !== ')') args.push(read());
      pos++;
      if (FACTS.has(op!)) {
        if (args.length !== 1) throw new Error(`(${op} x) takes one term: ${text}`);
        return { kind: 'fact', fact: op as Fact, of: args[0]! };
      }
      return { kind: 'op', op: op as Op, args, ...(data.length ? { data: data.map(Number) } : {}) };
    }
    if (token === 'true' || token === 'false') return { kind: 'bool', value: token === 'true' };
    if (token === '#w') return { kind: 'width', minus: 0 };
    if (token === '#w-1') return { kind: 'width', minus: 1 };
    if (/^-?\d+$/.test(token)) return { kind: 'num', value: BigInt(token) };
    const [name, width] = token.split(':') as [string, string | undefined];
    const sized = width === undefined ? {} : { width: Number(width) };
    if (/^[A-Z]\w*$/.test(name)) return { kind: 'var', name, type: 'const', ...sized };
    if (MEMORY_VARS.test(name)) return { kind: 'var', name, type: 'mem' };
    return { kind: 'var', name, type: BOOL_VARS.test(name) ? 'bool' : 'bv', ...sized };
  };
  const pattern = read();
  if (pos !== tokens.length) throw new Error(`trailing tokens in pattern: ${text}`);
  return pattern;
}

export type Bindings = Map<string, Term>;

/** Whether `term` has the shape of `pattern`, extending `bindings` (left as they were on failure). */
export function match(pattern: Pattern, term: Term, bindings: Bindings): boolean {
  const added: string[] = [];
  const go = (p: Pattern, t: Term): boolean => {
    switch (p.kind) {
      case 'var': {
        if (p.type === 'bool' ? t.sort !== 'bool' : p.type === 'mem' ? !t.sort.startsWith('mem') : t.width === 0) return false;
        if (p.width !== undefined && t.width !== p.width) return false;
        if (p.type === 'const' && t.op !== 'const') return false;
        const bound = bindings.get(p.name);
        if (bound) return bound === t;
        bindings.set(p.name, t);
        added.push(p.name);
        return true;
      }
      case 'num': return t.width > 0 && constValue(t) === BigInt.asUintN(t.width, p.value);
      case 'width': return t.width > 0 && constValue(t) === BigInt(t.width - p.minus);
      case 'bool': return t.op === 'bool' && t.data === p.value;
      case 'op':
        return t.op === p.op && t.args.length === p.args.length && sameData(p, t) && p.args.every((a, i) => go(a, t.args[i]!));
      case 'fact': return false;
    }
  };
  if (go(pattern, term)) return true;
  for (const name of added) bindings.delete(name);
  return false;
}

function sameData(p: Pattern & { kind: 'op' }, t: Term): boolean {
  if (!p.data) return true;
  switch (p.op) {
    case 'extract': return String(t.data) === String(p.data);
    case 'zext': case 'sext': return t.width === p.data[0];
    case 'load': return t.width === 8 * p.data[0]!;
    case 'store': return t.args[2]!.width === 8 * p.data[0]!;
    default: return false;
  }
}

/** The sort and data a parameterised operator gives its term. */
export function dataOf(p: Pattern & { kind: 'op' }): { sort?: Sort; data: Term['data'] } {
  const d = p.data ?? [];
  switch (p.op) {
    case 'extract': return { sort: `bv${d[0]! - d[1]! + 1}`, data: [d[0]!, d[1]!] };
    case 'zext': case 'sext': return { sort: `bv${d[0]}`, data: null };
    case 'load': return { sort: `bv${8 * d[0]!}`, data: null };
    default: return { data: null };
  }
}

const BOOL_RESULT = new Set<Op>(['not', 'band', 'bor', 'eq', 'ult', 'slt']);

/** How to build what a pattern describes (the normalising builder, or a raw one in the rule tests). */
export interface PatternBuilder {
  constant(value: bigint, width: number): Term;
  bool(value: boolean): Term;
  apply(op: Op, sort: Sort, args: Term[], data: Term['data']): Term;
  /** The constant `(zeros x)` or `(ones x)` stands for (known-bits.ts), or a free stand-in in a proof. */
  fact(fact: Fact, of: Term): Term;
}

/** The sort a pattern's term has under `bindings`, when it can be told without context. */
function sortOf(p: Pattern, bindings: Bindings): Sort | undefined {
  switch (p.kind) {
    case 'var': return bindings.get(p.name)?.sort;
    case 'fact': return sortOf(p.of, bindings);
    case 'bool': return 'bool';
    case 'op':
      if (BOOL_RESULT.has(p.op)) return 'bool';
      if (dataOf(p).sort) return dataOf(p).sort;
      if (p.op === 'store') return sortOf(p.args[0]!, bindings);
      if (p.op === 'concat') {
        const widths = p.args.map((a) => sortOf(a, bindings));
        return widths.every((w) => w?.startsWith('bv')) ? `bv${widths.reduce((n, w) => n + Number(w!.slice(2)), 0)}` : undefined;
      }
      if (p.op === 'ite') return sortOf(p.args[1]!, bindings) ?? sortOf(p.args[2]!, bindings);
      if (p.op === 'b2bv') return undefined;
      for (const a of p.args) {
        const s = sortOf(a, bindings);
        if (s) return s;
      }
      return undefined;
    default: return undefined;
  }
}

/** Builds `pattern` with its variables replaced by their bindings; `sort` is the sort the result must have. */
export function instantiate(pattern: Pattern, bindings: Bindings, sort: Sort, build: PatternBuilder): Term {
  const width = sort.startsWith('bv') ? Number(sort.slice(2)) : 0;
  switch (pattern.kind) {
    case 'var': {
      const bound = bindings.get(pattern.name);
      if (!bound) throw new Error(`unbound pattern variable ${pattern.name}`);
      return bound;
    }
    case 'num': return build.constant(BigInt.asUintN(width, pattern.value), width);
    case 'width': return build.constant(BigInt(width - pattern.minus) & mask(width), width);
    case 'bool': return build.bool(pattern.value);
    case 'fact': {
      const of = instantiate(pattern.of, bindings, sort, build);
      return build.fact(pattern.fact, of);
    }
    case 'op': {
      const { op, args } = pattern;
      const { sort: own, data } = dataOf(pattern);
      let argSorts: Sort[];
      const known = args.map((a) => sortOf(a, bindings));
      let result: Sort = BOOL_RESULT.has(op) ? 'bool' : (own ?? sort);
      if (op === 'store') result = known[0] ?? sort;
      if (op === 'concat') result = sortOf(pattern, bindings) ?? sort;
      if (own || op === 'store' || op === 'concat') argSorts = args.map((a, i) => known[i] ?? sort);
      else if (op === 'not' || op === 'band' || op === 'bor') argSorts = args.map(() => 'bool');
      else if (op === 'ite') {
        result = known[1] ?? known[2] ?? sort;
        argSorts = ['bool', result, result];
      }
      else if (op === 'b2bv') argSorts = ['bool'];
      else if (op === 'eq' || op === 'ult' || op === 'slt') {
        // Operands whose sort nothing fixes (a constant against a b2bv) take the width of the context.
        const s = sortOf(args[0]!, bindings) ?? sortOf(args[1]!, bindings) ?? (sort.startsWith('bv') ? sort : 'bv32');
        argSorts = [s, s];
      } else argSorts = args.map(() => sort);
      const built = args.map((a, i) => instantiate(a, bindings, argSorts[i]!, build));
      return build.apply(op, result, built, data);
    }
  }
}
