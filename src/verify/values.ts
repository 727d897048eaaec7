import { Script, bvLit } from './smt.js';

/** A wasm value as an SMT bit-vector term (floats as their raw bits). `lit` is set when it is a known constant. */
export interface Value {
  width: number;
  term: string;
  lit?: bigint;
}

/** What an instruction family needs from the side being encoded. */
export interface Sink {
  readonly script: Script;
  /** Names a term of this side. */
  value(width: number, expr: string, lit?: bigint): Value;
  bool(expr: string): string;
  /** The instruction traps when `cond` holds (on the current path). */
  trap(cond: string): void;
  /** Records that an uninterpreted function stands in for `what`. */
  approximate(what: string): void;
}

export const widthOf = (type: string): number => (type === 'i64' || type === 'f64' ? 64 : 32);

export function literal(value: bigint, width: number): Value {
  const lit = BigInt.asUintN(width, value);
  return { width, term: bvLit(lit, width), lit };
}

export function boolToI32(sink: Sink, cond: string): Value {
  return sink.value(32, `(ite ${cond} #x00000001 #x00000000)`);
}

