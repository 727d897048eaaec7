/**
 * Evaluates the SMT-LIB text the encoder writes on concrete inputs, without a solver: the fidelity checks
 * (test and bench) compare it with V8 on far more inputs than one z3 query per input allows. It knows the
 * fragment the encoder uses — Bool, fixed-size bit-vectors, arrays from addresses to bytes (store, select,
 * constant arrays, lambda), let, and the few floating-point terms of float→int truncation — with the
 * semantics the SMT-LIB standard gives them (division by zero included). An uninterpreted function or an
 * input it was not given makes a term unevaluable, never a guess. The fidelity test checks this evaluator
 * against z3 on a sample of the same evaluations.
 */

export type Value = boolean | BitVector | ByteArray | FloatValue | RoundingMode;
export interface BitVector { kind: 'bv'; width: number; value: bigint }
/** A float as a JavaScript number, with its format (exponent and significand bits). */
export interface FloatValue { kind: 'fp'; eb: number; sb: number; value: number }
export interface RoundingMode { kind: 'rm'; mode: 'RNE' | 'RTZ' }
/** An array as a chain of stores over a default (a constant, or a lambda): select walks it. */
export type ByteArray =
  | { kind: 'array'; constant: Value }
  | { kind: 'array'; lambda: (index: Value) => Value }
  | { kind: 'array'; parent: ByteArray; index: bigint; value: Value };

export class Unevaluable extends Error {}

/** Where names are looked up: the bound inputs and define-funs, under let and lambda bindings. */
interface Scope { get(name: string): Value | undefined }
const within = (outer: Scope, names: ReadonlyMap<string, Value>): Scope => ({ get: (name) => names.get(name) ?? outer.get(name) });

type Sexp = string | Sexp[];

function parse(text: string): Sexp[] {
  const tokens = text.match(/\(|\)|\|[^|]*\||[^\s()]+/g) ?? [];
  const out: Sexp[] = [];
  const stack: Sexp[][] = [out];
  for (const token of tokens) {
    if (token === '(') {
      const list: Sexp[] = [];
      stack[stack.length - 1]!.push(list);
      stack.push(list);
    } else if (token === ')') {
      stack.pop();
    } else {
      stack[stack.length - 1]!.push(token);
    }
  }
  return out;
}

const mask = (width: number) => (1n << BigInt(width)) - 1n;
const bv = (width: number, value: bigint): BitVector => ({ kind: 'bv', width, value: value & mask(width) });
const signed = (x: BitVector) => BigInt.asIntN(x.width, x.value);

function asBv(v: Value): BitVector {
  if (typeof v === 'object' && v.kind === 'bv') return v;
  throw new Unevaluable(`expected a bit-vector, got ${JSON.stringify(v)}`);
}
function asBool(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  throw new Unevaluable('expected a Bool');
}
function asFloat(v: Value): FloatValue {
  if (typeof v === 'object' && v.kind === 'fp') return v;
  throw new Unevaluable('expected a float');
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (a.kind === 'bv' && b.kind === 'bv') return a.width === b.width && a.value === b.value;
  if (a.kind === 'fp' && b.kind === 'fp') return Object.is(a.value, b.value) || (Number.isNaN(a.value) && Number.isNaN(b.value));
  throw new Unevaluable('equality of arrays is not evaluated');
}

export function select(array: Value, index: Value): Value {
  const at = asBv(index).value;
  let a = array as ByteArray;
  for (;;) {
    if ('constant' in a) return a.constant;
    if ('lambda' in a) return a.lambda(index);
    if (a.index === at) return a.value;
    a = a.parent;
  }
}

function udiv(x: BitVector, y: BitVector): BitVector {
  return y.value === 0n ? bv(x.width, mask(x.width)) : bv(x.width, x.value / y.value);
}
function urem(x: BitVector, y: BitVector): BitVector {
  return y.value === 0n ? x : bv(x.width, x.value % y.value);
}
const neg = (x: BitVector) => bv(x.width, -x.value);
const msb = (x: BitVector) => (x.value >> BigInt(x.width - 1)) & 1n;

function sdiv(s: BitVector, t: BitVector): BitVector {
  const [ms, mt] = [msb(s), msb(t)];
  if (ms === 0n && mt === 0n) return udiv(s, t);
  if (ms === 1n && mt === 0n) return neg(udiv(neg(s), t));
  if (ms === 0n && mt === 1n) return neg(udiv(s, neg(t)));
  return udiv(neg(s), neg(t));
}
function srem(s: BitVector, t: BitVector): BitVector {
  const [ms, mt] = [msb(s), msb(t)];
  if (ms === 0n && mt === 0n) return urem(s, t);
  if (ms === 1n && mt === 0n) return neg(urem(neg(s), t));
  if (ms === 0n && mt === 1n) return urem(s, neg(t));
  return neg(urem(neg(s), neg(t)));
}

const view = new DataView(new ArrayBuffer(8));
function floatOfBits(eb: number, sb: number, bits: bigint): FloatValue {
  if (eb === 8 && sb === 24) { view.setUint32(0, Number(bits), true); return { kind: 'fp', eb, sb, value: view.getFloat32(0, true) }; }
  if (eb === 11 && sb === 53) { view.setBigUint64(0, bits, true); return { kind: 'fp', eb, sb, value: view.getFloat64(0, true) }; }
  throw new Unevaluable(`float format ${eb} ${sb}`);
}
function roundTo(eb: number, sb: number, value: number): FloatValue {
  if (eb === 8 && sb === 24) return { kind: 'fp', eb, sb, value: Math.fround(value) };
  if (eb === 11 && sb === 53) return { kind: 'fp', eb, sb, value };
  throw new Unevaluable(`float format ${eb} ${sb}`);
}

const BV_BINARY: Record<string, (x: BitVector, y: BitVector) => Value> = {
  bvadd: (x, y) => bv(x.width, x.value + y.value),
  bvsub: (x, y) => bv(x.width, x.value - y.value),
  bvmul: (x, y) => bv(x.width, x.value * y.value),
  bvand: (x, y) => bv(x.width, x.value & y.value),
  bvor: (x, y) => bv(x.width, x.value | y.value),
  bvxor: (x, y) => bv(x.width, x.value ^ y.value),
  bvudiv: udiv, bvurem: urem, bvsdiv: sdiv, bvsrem: srem,
  bvshl: (x, y) => (y.value >= BigInt(x.width) ? bv(x.width, 0n) : bv(x.width, x.value << y.value)),
  bvlshr: (x, y) => (y.value >= BigInt(x.width) ? bv(x.width, 0n) : bv(x.width, x.value >> y.value)),
  bvashr: (x, y) => bv(x.width, signed(x) >> (y.value >= BigInt(x.width) ? BigInt(x.width) : y.value)),
  bvult: (x, y) => x.value < y.value, bvule: (x, y) => x.value <= y.value,
  bvugt: (x, y) => x.value > y.value, bvuge: (x, y) => x.value >= y.value,
  bvslt: (x, y) => signed(x) < signed(y), bvsle: (x, y) => signed(x) <= signed(y),
  bvsgt: (x, y) => signed(x) > signed(y), bvsge: (x, y) => signed(x) >= signed(y),
  concat: (x, y) => bv(x.width + y.width, (x.value << BigInt(y.width)) | y.value),
};

/**
 * A script (declarations, define-funs, assertions) read once; `evaluate` gives the value of a term under
 * values for the declared constants. Define-funs are evaluated once per binding, in the order written (each
 * refers only to earlier ones), so nothing recurses deeper than one term.
 */
export class SmtScript {
  private readonly defines: Array<[string, Sexp]> = [];
  private readonly functions = new Set<string>();

  constructor(text: string) {
    for (const command of parse(text)) {
      if (!Array.isArray(command)) continue;
      const [head, name] = command;
      if (head === 'define-fun' && Array.isArray(command[2]) && command[2].length === 0) this.defines.push([name as string, command[4]!]);
      else if (head === 'define-fun' || head === 'declare-fun') this.functions.add(name as string);
    }
  }

  /** Every define-fun evaluated under `inputs`, in order; those that cannot be are left out. */
  bind(inputs: ReadonlyMap<string, Value>): Map<string, Value> {
    const env = new Map(inputs);
    for (const [name, term] of this.defines) {
      try {
        env.set(name, this.evaluate(term, env));
      } catch (error) {
        if (!(error instanceof Unevaluable)) throw error;
      }
    }
    return env;
  }

  /** The value of `term` (text or parsed) under `env` (inputs and bound define-funs). */
  evaluate(term: Sexp | string, env: Scope): Value {
    const t = typeof term === 'string' && term.startsWith('(') ? parse(term)[0]! : term;
    return this.eval(t, env);
  }

  private eval(t: Sexp, env: Scope): Value {
    if (typeof t === 'string') return this.atom(t, env);
    const [head, ...args] = t;
    if (Array.isArray(head)) return this.indexed(head, args, env);
    const ev = (x: Sexp) => this.eval(x, env);
    switch (head) {
      case 'let': {
        // Parallel let: every binding is evaluated in the outer scope.
        const bound = new Map((args[0] as Sexp[]).map((binding) => [(binding as string[])[0]!, ev((binding as Sexp[])[1]!)] as const));
        return this.eval(args[1]!, within(env, bound));
      }
      case '_': {
        const [name, width] = args as string[];
        if (/^bv\d+$/.test(name ?? '')) return bv(Number(width), BigInt(name!.slice(2)));
        throw new Unevaluable(`_ ${name}`);
      }
      case 'ite': return asBool(ev(args[0]!)) ? ev(args[1]!) : ev(args[2]!);
      case 'and': return args.every((a) => asBool(ev(a)));
      case 'or': return args.some((a) => asBool(ev(a)));
      case 'not': return !asBool(ev(args[0]!));
      case '=>': return !asBool(ev(args[0]!)) || asBool(ev(args[1]!));
      case 'xor': return args.map((a) => asBool(ev(a))).reduce((x, y) => x !== y);
      case '=': {
        const values = args.map(ev);
        return values.every((v) => equal(v, values[0]!));
      }
      case 'distinct': {
        const values = args.map(ev);
        return values.every((v, i) => values.every((w, j) => i === j || !equal(v, w)));
      }
      case 'select': return select(ev(args[0]!), ev(args[1]!));
      case 'store': {
        const parent = ev(args[0]!) as ByteArray;
        return { kind: 'array', parent, index: asBv(ev(args[1]!)).value, value: ev(args[2]!) };
      }
      case 'lambda': {
        const [[name]] = args[0] as [[string, Sexp]];
        const body = args[1]!;
        return { kind: 'array', lambda: (index) => this.eval(body, within(env, new Map([[name, index]]))) };
      }
      case 'bvnot': { const x = asBv(ev(args[0]!)); return bv(x.width, ~x.value); }
      case 'bvneg': return neg(asBv(ev(args[0]!)));
      case 'fp.isNaN': return Number.isNaN(asFloat(ev(args[0]!)).value);
      case 'fp.leq': return asFloat(ev(args[0]!)).value <= asFloat(ev(args[1]!)).value;
      case 'fp.lt': return asFloat(ev(args[0]!)).value < asFloat(ev(args[1]!)).value;
      case 'fp.geq': return asFloat(ev(args[0]!)).value >= asFloat(ev(args[1]!)).value;
      case 'fp.gt': return asFloat(ev(args[0]!)).value > asFloat(ev(args[1]!)).value;
      case 'as': {
        // ((as const (Array …)) v) reaches here as head ['as', 'const', sort]: see `indexed`.
        throw new Unevaluable('bare as');
      }
      default: {
        const op = BV_BINARY[head as string];
        if (!op) throw new Unevaluable(`operator ${head}`);
        const values = args.map((a) => asBv(ev(a)));
        // bvadd, concat and friends may take more than two operands (left-associative).
        if (values.length > 2 && /^(bv(add|mul|and|or|xor)|concat)$/.test(head as string)) return values.slice(1).reduce((x, y) => op(x, y) as BitVector, values[0]!);
        return op(values[0]!, values[1]!);
      }
    }
  }

  /** `((_ extract i j) x)`, `((_ zero_extend k) x)`, `((as const S) v)`, `((_ to_fp e s) …)`, `((_ fp.to_sbv w) RTZ x)`. */
  private indexed(head: Sexp[], args: Sexp[], env: Scope): Value {
    const ev = (x: Sexp) => this.eval(x, env);
    if (head[0] === 'as' && head[1] === 'const') return { kind: 'array', constant: ev(args[0]!) };
    if (head[0] !== '_') throw new Unevaluable(`indexed ${JSON.stringify(head)}`);
    const [, name, a, b] = head as string[];
    switch (name) {
      case 'extract': {
        const x = asBv(ev(args[0]!));
        const [hi, lo] = [Number(a), Number(b)];
        return bv(hi - lo + 1, x.value >> BigInt(lo));
      }
      case 'zero_extend': { const x = asBv(ev(args[0]!)); return bv(x.width + Number(a), x.value); }
      case 'sign_extend': { const x = asBv(ev(args[0]!)); return bv(x.width + Number(a), signed(x)); }
      case 'rotate_left': case 'rotate_right': {
        const x = asBv(ev(args[0]!));
        const k = BigInt(Number(a) % x.width);
        const w = BigInt(x.width);
        const l = name === 'rotate_left' ? k : (w - k) % w;
        return bv(x.width, (x.value << l) | (x.value >> ((w - l) % w)));
      }
      case 'to_fp': {
        const [eb, sb] = [Number(a), Number(b)];
        if (args.length === 1) return floatOfBits(eb, sb, asBv(ev(args[0]!)).value);
        const mode = ev(args[0]!) as RoundingMode;
        if (mode.mode !== 'RNE') throw new Unevaluable('to_fp other than RNE');
        const source = args[1]!;
        if (typeof source === 'string' && /^-?\d+(\.\d+)?$/.test(source)) return roundTo(eb, sb, Number(source));
        return roundTo(eb, sb, asFloat(ev(source)).value);
      }
      case 'fp.to_sbv': case 'fp.to_ubv': {
        const mode = ev(args[0]!) as RoundingMode;
        if (mode.mode !== 'RTZ') throw new Unevaluable('fp.to_*bv other than RTZ');
        const x = asFloat(ev(args[1]!)).value;
        const width = Number(a);
        // Unspecified outside the range (the encoder guards it with a trap): any value, here the truncation.
        if (!Number.isFinite(x)) return bv(width, 0n);
        return bv(width, BigInt(Math.trunc(x)));
      }
      default:
        throw new Unevaluable(`indexed operator ${name}`);
    }
  }

  private atom(t: string, env: Scope): Value {
    if (t === 'true') return true;
    if (t === 'false') return false;
    if (t === 'RNE' || t === 'RTZ') return { kind: 'rm', mode: t };
    if (t.startsWith('#x')) return bv((t.length - 2) * 4, BigInt(`0x${t.slice(2)}`));
    if (t.startsWith('#b')) return bv(t.length - 2, BigInt(`0b${t.slice(2)}`));
    const value = env.get(t);
    if (value !== undefined) return value;
    if (this.functions.has(t)) throw new Unevaluable(`uninterpreted ${t}`);
    throw new Unevaluable(`no value for ${t}`);
  }
}
