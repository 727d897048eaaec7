import type { Builder } from '../graph/build.js';
import type { BV, Bool, Op } from '../graph/terms.js';

/** Exact semantics of wasm's integer operators (MVP and sign extension) as graph terms. */

export interface OperatorSide {
  readonly build: Builder;
  /** The instruction traps when `cond` holds (on the current path). */
  trap(cond: Bool): void;
  /** Records that an uninterpreted function stands in for `what`. */
  approximate(what: string): void;
}

const baseName = (op: string) => op.replace(/Int(32|64)$/, '');

export function intUnary(side: OperatorSide, op: string, x: BV): BV | undefined {
  const b = side.build;
  const w = x.width;
  switch (baseName(op)) {
    case 'Clz': return b.unary('clz', x);
    case 'Ctz': return b.unary('ctz', x);
    case 'Popcnt': return b.unary('popcnt', x);
    case 'EqZ': return b.b2bv(b.eq(x, b.constant(0n, w)));
    case 'ExtendS8': return b.sext(b.extract(x, 7, 0), w);
    case 'ExtendS16': return b.sext(b.extract(x, 15, 0), w);
    case 'ExtendS32': return b.sext(b.extract(x, 31, 0), w);
    default: break;
  }
  switch (op) {
    case 'ExtendSInt32': return b.sext(x, 64);
    case 'ExtendUInt32': return b.zext(x, 64);
    case 'WrapInt64': return b.extract(x, 31, 0);
    default: return undefined;
  }
}

const SHIFTS: Record<string, Op> = { Shl: 'shl', ShrU: 'lshr', ShrS: 'ashr', RotL: 'rotl', RotR: 'rotr' };

/** An integer comparison by its base name (`LtS`, `GeU`, …; SIMD lanes use it too), or undefined. */
export function comparison(b: Builder, base: string, x: BV, y: BV): Bool | undefined {
  switch (base) {
    case 'Eq': return b.eq(x, y);
    case 'Ne': return b.ne(x, y);
    case 'LtU': return b.ult(x, y);
    case 'GtU': return b.ult(y, x);
    case 'LeU': return b.not(b.ult(y, x));
    case 'GeU': return b.not(b.ult(x, y));
    case 'LtS': return b.slt(x, y);
    case 'GtS': return b.slt(y, x);
    case 'LeS': return b.not(b.slt(y, x));
    case 'GeS': return b.not(b.slt(x, y));
    default: return undefined;
  }
}

/** Integer operators on operands of any one width, by binaryen's name (`AddInt32`) or its base (`Add`). */
export function intBinary(side: OperatorSide, op: string, x: BV, y: BV): BV | undefined {
  const b = side.build;
  const w = x.width;
  const zero = b.constant(0n, w);
  const base = baseName(op);
  const test = comparison(b, base, x, y);
  if (test) return b.b2bv(test);
  switch (base) {
    case 'Add': return b.add(x, y);
    case 'Sub': return b.sub(x, y);
    case 'Mul': return b.mul(x, y);
    case 'And': return b.bits('and', x, y);
    case 'Or': return b.bits('or', x, y);
    case 'Xor': return b.bits('xor', x, y);
    case 'DivS':
      side.trap(b.or(b.eq(y, zero), b.and(b.eq(x, b.constant(1n << BigInt(w - 1), w)), b.eq(y, b.constant(-1n, w)))));
      return b.binary('divs', x, y);
    case 'DivU':
      side.trap(b.eq(y, zero));
      return b.binary('divu', x, y);
    case 'RemS':
      side.trap(b.eq(y, zero));
      return b.binary('rems', x, y);
    case 'RemU':
      side.trap(b.eq(y, zero));
      return b.binary('remu', x, y);
    default: {
      const shift = SHIFTS[base];
      return shift ? b.binary(shift, x, y) : undefined;
    }
  }
}
