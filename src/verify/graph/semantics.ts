import type { Op, Sort, Term } from './terms.js';
import { mask } from './terms.js';

/**
 * What each operator means, written twice: as SMT-LIB (what z3 is asked) and as a concrete evaluation on
 * constants (what constant folding computes). The rule tests prove every rule against the SMT meaning, and
 * the fidelity bench checks the concrete meaning against z3 and both against V8, so the two cannot drift.
 *
 * Meanings are total: division by zero gives SMT-LIB's value (the trap is a separate condition the encoder
 * keeps), shift and rotate counts are taken modulo the width (SMT's shifts are not), memory addresses wrap
 * at the address width (whether an access is in bounds is again a separate condition).
 */

export const sortText = (sort: Sort): string => {
  switch (sort) {
    case 'bool': return 'Bool';
    case 'mem32': return '(Array (_ BitVec 32) (_ BitVec 8))';
    case 'mem64': return '(Array (_ BitVec 64) (_ BitVec 8))';
    case 'world': return '(_ BitVec 64)';
    case 'loop': throw new Error('a loop term has no SMT sort');
    default: return `(_ BitVec ${sort.slice(2)})`;
  }
};

export function bvLit(value: bigint, width: number): string {
  const v = BigInt.asUintN(width, value);
  if (width % 4 === 0) return `#x${v.toString(16).padStart(width / 4, '0')}`;
  return `#b${v.toString(2).padStart(width, '0')}`;
}

const signed = (v: bigint, w: number) => BigInt.asIntN(w, v);
const u = (v: bigint, w: number) => BigInt.asUintN(w, v);
const count = (v: bigint, w: number) => v & BigInt(w - 1);

function udiv(x: bigint, y: bigint, w: number): bigint {
  return y === 0n ? mask(w) : x / y;
}
function urem(x: bigint, y: bigint): bigint {
  return y === 0n ? x : x % y;
}
/** SMT-LIB's bvsdiv and bvsrem, spelled out as the standard defines them (via the unsigned operations). */
function sdiv(x: bigint, y: bigint, w: number): bigint {
  const nx = signed(x, w) < 0n;
  const ny = signed(y, w) < 0n;
  const ax = nx ? u(-x, w) : x;
  const ay = ny ? u(-y, w) : y;
  const q = udiv(ax, ay, w);
  return nx !== ny ? u(-q, w) : q;
}
function srem(x: bigint, y: bigint, w: number): bigint {
  const nx = signed(x, w) < 0n;
  const ax = nx ? u(-x, w) : x;
  const ay = signed(y, w) < 0n ? u(-y, w) : y;
  const r = urem(ax, ay);
  return nx ? u(-r, w) : r;
}

function clz(x: bigint, w: number): bigint {
  for (let i = w - 1; i >= 0; i--) if ((x >> BigInt(i)) & 1n) return BigInt(w - 1 - i);
  return BigInt(w);
}
function ctz(x: bigint, w: number): bigint {
  for (let i = 0; i < w; i++) if ((x >> BigInt(i)) & 1n) return BigInt(i);
  return BigInt(w);
}
function popcnt(x: bigint): bigint {
  let n = 0n;
  for (let v = x; v > 0n; v >>= 1n) n += v & 1n;
  return n;
}

export type Concrete = bigint | boolean;

/**
 * The value of an operator on constant arguments (bit-vectors unsigned), or undefined when it is not a
 * pure function of them (memory, uninterpreted functions, loops).
 */
export function evaluate(op: Op, sort: Sort, args: readonly Concrete[], data: Term['data'], argWidths: readonly number[] = []): Concrete | undefined {
  const w = sort.startsWith('bv') ? Number(sort.slice(2)) : 0;
  const n = args as readonly bigint[];
  const b = args as readonly boolean[];
  const aw = (i: number) => argWidths[i] ?? w;
  switch (op) {
    case 'add': return u(n.reduce((s, x) => s + x, 0n), w);
    case 'mul': return u(n.reduce((s, x) => s * x, 1n), w);
    case 'and': return n.reduce((s, x) => s & x, mask(w));
    case 'or': return n.reduce((s, x) => s | x, 0n);
    case 'xor': return n.reduce((s, x) => s ^ x, 0n);
    case 'shl': return u(n[0]! << count(n[1]!, w), w);
    case 'lshr': return n[0]! >> count(n[1]!, w);
    case 'ashr': return u(signed(n[0]!, w) >> count(n[1]!, w), w);
    case 'rotl': {
      const k = count(n[1]!, w);
      return u((n[0]! << k) | (n[0]! >> (BigInt(w) - k)), w);
    }
    case 'rotr': {
      const k = count(n[1]!, w);
      return u((n[0]! >> k) | (n[0]! << (BigInt(w) - k)), w);
    }
    case 'divu': return udiv(n[0]!, n[1]!, w);
    case 'remu': return urem(n[0]!, n[1]!);
    case 'divs': return sdiv(n[0]!, n[1]!, w);
    case 'rems': return srem(n[0]!, n[1]!, w);
    case 'clz': return clz(n[0]!, w);
    case 'ctz': return ctz(n[0]!, w);
    case 'popcnt': return popcnt(n[0]!);
    case 'zext': return n[0]!;
    case 'sext': return u(signed(n[0]!, aw(0)), w);
    case 'extract': {
      const [hi, lo] = data as [number, number];
      return (n[0]! >> BigInt(lo)) & mask(hi - lo + 1);
    }
    case 'concat': {
      let v = 0n;
      n.forEach((x, i) => { v = (v << BigInt(aw(i))) | x; });
      return v;
    }
    case 'b2bv': return b[0] ? 1n : 0n;
    case 'not': return !b[0];
    case 'band': return b.every(Boolean);
    case 'bor': return b.some(Boolean);
    case 'eq': return args[0] === args[1];
    case 'ult': return n[0]! < n[1]!;
    case 'slt': return signed(n[0]!, aw(0)) < signed(n[1]!, aw(0));
    case 'ite': return b[0] ? args[1] : args[2];
    case 'trunc': return truncateConstant(data as string, n[0]!).value;
    case 'truncTrap': return truncateConstant(data as string, n[0]!).traps;
    default: return undefined;
  }
}

export function evaluateTerm(term: Term, args: readonly Concrete[]): Concrete | undefined {
  return evaluate(term.op, term.sort, args, term.data, term.args.map((a) => a.width));
}

/** Declarations an SMT text needs, collected as operators are written. */
export interface SmtDeclarations {
  /** An uninterpreted function `name` of these argument sorts to `result`; returns the symbol to apply. */
  fun(name: string, args: readonly Sort[], result: Sort): string;
}

/** Shift counts modulo the width. */
const smtCount = (w: number, y: string) => `(bvand ${y} ${bvLit(BigInt(w - 1), w)})`;

function smtClz(w: number, v: string): string {
  let expr = bvLit(BigInt(w), w);
  for (let i = 0; i < w; i++) expr = `(ite (= ((_ extract ${i} ${i}) ${v}) #b1) ${bvLit(BigInt(w - 1 - i), w)} ${expr})`;
  return expr;
}

function smtCtz(w: number, v: string): string {
  let expr = bvLit(BigInt(w), w);
  for (let i = w - 1; i >= 0; i--) expr = `(ite (= ((_ extract ${i} ${i}) ${v}) #b1) ${bvLit(BigInt(i), w)} ${expr})`;
  return expr;
}

function smtPopcnt(w: number, v: string): string {
  const bits = Array.from({ length: w }, (_, i) => `((_ zero_extend ${w - 1}) ((_ extract ${i} ${i}) ${v}))`);
  return `(bvadd ${bits.join(' ')})`;
}

const addrWidthOf = (mem: Term) => (mem.sort === 'mem64' ? 64 : 32);
const byteAt = (addr: string, k: number, aw: number) => (k === 0 ? addr : `(bvadd ${addr} ${bvLit(BigInt(k), aw)})`);

/** The SMT-LIB text of `term` given its arguments' texts. */
export function smtOf(term: Term, a: readonly string[], decls: SmtDeclarations): string {
  const w = term.width;
  const nary = (name: string) => (a.length === 1 ? a[0]! : `(${name} ${a.join(' ')})`);
  switch (term.op) {
    case 'const': return bvLit(term.data as bigint, w);
    case 'bool': return term.data ? 'true' : 'false';
    case 'add': return nary('bvadd');
    case 'mul': {
      // Products with a constant are what sums and shifts normalise to; written the way z3 reasons about best.
      const k = term.args.length === 2 && term.args[1]!.op === 'const' ? (term.args[1]!.data as bigint) : undefined;
      if (k === mask(w)) return `(bvneg ${a[0]})`;
      if (k !== undefined && k !== 0n && (k & (k - 1n)) === 0n) {
        const shift = k.toString(2).length - 1;
        if (shift === 0) return a[0]!;
        return `(concat ((_ extract ${w - 1 - shift} 0) ${a[0]}) ${bvLit(0n, shift)})`;
      }
      return nary('bvmul');
    }
    case 'and': return nary('bvand');
    case 'or': return nary('bvor');
    case 'xor': return nary('bvxor');
    case 'shl': return `(bvshl ${a[0]} ${smtCount(w, a[1]!)})`;
    case 'lshr': return `(bvlshr ${a[0]} ${smtCount(w, a[1]!)})`;
    case 'ashr': return `(bvashr ${a[0]} ${smtCount(w, a[1]!)})`;
    case 'rotl': case 'rotr': {
      const k = smtCount(w, a[1]!);
      const [first, second] = term.op === 'rotl' ? ['bvshl', 'bvlshr'] : ['bvlshr', 'bvshl'];
      return `(bvor (${first} ${a[0]} ${k}) (${second} ${a[0]} (bvsub ${bvLit(BigInt(w), w)} ${k})))`;
    }
    case 'divs': return `(bvsdiv ${a[0]} ${a[1]})`;
    case 'divu': return `(bvudiv ${a[0]} ${a[1]})`;
    case 'rems': return `(bvsrem ${a[0]} ${a[1]})`;
    case 'remu': return `(bvurem ${a[0]} ${a[1]})`;
    case 'clz': return smtClz(w, a[0]!);
    case 'ctz': return smtCtz(w, a[0]!);
    case 'popcnt': return smtPopcnt(w, a[0]!);
    case 'zext': return `((_ zero_extend ${w - term.args[0]!.width}) ${a[0]})`;
    case 'sext': return `((_ sign_extend ${w - term.args[0]!.width}) ${a[0]})`;
    case 'extract': {
      const [hi, lo] = term.data as [number, number];
      return `((_ extract ${hi} ${lo}) ${a[0]})`;
    }
    case 'concat': return nary('concat');
    case 'b2bv': return `(ite ${a[0]} ${bvLit(1n, w)} ${bvLit(0n, w)})`;
    case 'not': return `(not ${a[0]})`;
    case 'band': return nary('and');
    case 'bor': return nary('or');
    case 'eq': return `(= ${a[0]} ${a[1]})`;
    case 'ult': return `(bvult ${a[0]} ${a[1]})`;
    case 'slt': return `(bvslt ${a[0]} ${a[1]})`;
    case 'ite': return `(ite ${a[0]} ${a[1]} ${a[2]})`;
    case 'load': {
      const aw = addrWidthOf(term.args[0]!);
      const bytes = Array.from({ length: w / 8 }, (_, k) => `(select ${a[0]} ${byteAt(a[1]!, k, aw)})`).reverse();
      return bytes.length === 1 ? bytes[0]! : `(concat ${bytes.join(' ')})`;
    }
    case 'store': {
      const aw = addrWidthOf(term.args[0]!);
      let mem = a[0]!;
      const k = term.args[2]!.width / 8;
      for (let i = 0; i < k; i++) mem = `(store ${mem} ${byteAt(a[1]!, i, aw)} ((_ extract ${8 * i + 7} ${8 * i}) ${a[2]}))`;
      return mem;
    }
    case 'fill': {
      // [addr, addr + len) holds the byte; the range does not wrap (the encoder's bounds check ensures it).
      const aw = addrWidthOf(term.args[0]!);
      return `(lambda ((lambda_a (_ BitVec ${aw}))) (ite (bvult (bvsub lambda_a ${a[1]}) ${a[2]}) ${a[3]} (select ${a[0]} lambda_a)))`;
    }
    case 'copy': {
      // Reads see the memory before the copy: memmove's meaning for overlapping ranges.
      const aw = addrWidthOf(term.args[0]!);
      const offset = `(bvsub lambda_a ${a[1]})`;
      return `(lambda ((lambda_a (_ BitVec ${aw}))) (ite (bvult ${offset} ${a[3]}) (select ${a[0]} (bvadd ${a[2]} ${offset})) (select ${a[0]} lambda_a)))`;
    }
    case 'uf': {
      const fn = decls.fun(term.data as string, term.args.map((x) => x.sort), term.sort);
      return a.length === 0 ? fn : `(${fn} ${a.join(' ')})`;
    }
    case 'trunc': case 'truncTrap': return truncation(term.op, term.data as string, a[0]!, w);
    default: throw new Error(`no SMT meaning for ${term.op}`);
  }
}

/** Float → int truncation: the value (saturating or not) and, for trapping ones, whether it traps. */
function truncation(which: 'trunc' | 'truncTrap', op: string, x: string, width: number): string {
  const m = /^(Trunc|TruncSat)(S|U)Float(32|64)ToInt(32|64)$/.exec(op);
  if (!m) throw new Error(`not a truncation: ${op}`);
  const saturating = m[1] === 'TruncSat';
  const isSigned = m[2] === 'S';
  const from = Number(m[3]);
  const to = Number(m[4]);
  const fx = from === 32 ? `((_ to_fp 8 24) ${x})` : `((_ to_fp 11 53) ${x})`;
  const d = from === 32 ? `((_ to_fp 11 53) RNE ${fx})` : fx;
  const b = truncBounds(isSigned, to);
  const lo = `((_ to_fp 11 53) RNE ${b.low})`;
  const hi = `((_ to_fp 11 53) RNE ${b.high})`;
  const nan = `(fp.isNaN ${fx})`;
  const below = b.lowInclusive ? `(fp.leq ${d} ${lo})` : `(fp.lt ${d} ${lo})`;
  const above = `(fp.geq ${d} ${hi})`;
  if (which === 'truncTrap') return saturating ? 'false' : `(or ${nan} ${below} ${above})`;
  const converted = `((_ ${isSigned ? 'fp.to_sbv' : 'fp.to_ubv'} ${to}) RTZ ${fx})`;
  if (!saturating) return converted;
  return `(ite ${nan} ${bvLit(0n, width)} (ite ${below} ${bvLit(b.min, width)} (ite ${above} ${bvLit(b.max, width)} ${converted})))`;
}

interface TruncBounds { low: string; lowInclusive: boolean; high: string; min: bigint; max: bigint }

/** Truncation is in range exactly when the value lies strictly between these bounds (as reals). */
function truncBounds(isSigned: boolean, width: number): TruncBounds {
  if (!isSigned) {
    return { low: '-1.0', lowInclusive: true, high: width === 32 ? '4294967296.0' : '18446744073709551616.0', min: 0n, max: mask(width) };
  }
  return width === 32
    ? { low: '-2147483649.0', lowInclusive: true, high: '2147483648.0', min: -(1n << 31n), max: (1n << 31n) - 1n }
    : { low: '-9223372036854775808.0', lowInclusive: false, high: '9223372036854775808.0', min: -(1n << 63n), max: (1n << 63n) - 1n };
}

const view = new DataView(new ArrayBuffer(8));

export function floatOfBits(bits: bigint, width: number): number {
  if (width === 32) {
    view.setUint32(0, Number(bits), true);
    return view.getFloat32(0, true);
  }
  view.setBigUint64(0, bits, true);
  return view.getFloat64(0, true);
}

export function bitsOfFloat(value: number, width: number): bigint {
  if (width === 32) {
    view.setFloat32(0, value, true);
    return BigInt(view.getUint32(0, true));
  }
  view.setFloat64(0, value, true);
  return view.getBigUint64(0, true);
}

/** A truncation of a constant: its value and whether it traps (NaN or out of range), as V8 computes it. */
export function truncateConstant(op: string, bits: bigint): { value: bigint; traps: boolean } {
  const m = /^(Trunc|TruncSat)(S|U)Float(32|64)ToInt(32|64)$/.exec(op)!;
  const saturating = m[1] === 'TruncSat';
  const isSigned = m[2] === 'S';
  const x = floatOfBits(bits, Number(m[3]));
  const to = Number(m[4]);
  const min = isSigned ? -(1n << BigInt(to - 1)) : 0n;
  const max = isSigned ? (1n << BigInt(to - 1)) - 1n : mask(to);
  if (Number.isNaN(x)) return { value: 0n, traps: !saturating };
  const t = Math.trunc(x);
  // Math.trunc of a float is exactly representable as a bigint when finite.
  const n = Number.isFinite(t) ? BigInt(t) : t > 0 ? max + 1n : min - 1n;
  if (n < min) return { value: u(min, to), traps: !saturating };
  if (n > max) return { value: u(max, to), traps: !saturating };
  return { value: u(n, to), traps: false };
}

/** The unsigned value of a bit-vector literal as z3 prints it (#x…, #b…, (_ bvN W)). */
export function parseBvLiteral(text: string): bigint | undefined {
  const t = text.trim();
  if (t.startsWith('#x')) return BigInt(`0x${t.slice(2)}`);
  if (t.startsWith('#b')) return BigInt(`0b${t.slice(2)}`);
  const m = /^\(_ bv(\d+) \d+\)$/.exec(t);
  return m ? BigInt(m[1]!) : undefined;
}
