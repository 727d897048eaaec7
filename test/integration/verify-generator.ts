import type { Prng } from '../../src/util/prng.js';

/**
 * Random functions over the integer families, memory (a 72-byte region the pointers are masked into),
 * globals, branches and traps: material for the fidelity and miscompile tests.
 */

const I32_BINARY = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr', 'div_s', 'div_u', 'rem_s', 'rem_u', 'eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'ge_u', 'le_s'];
const I32_UNARY = ['clz', 'ctz', 'popcnt', 'eqz', 'extend8_s', 'extend16_s'];
const I64_BINARY = ['add', 'sub', 'mul', 'and', 'xor', 'shl', 'shr_s', 'rotl', 'div_u', 'rem_s'];
const LOADS = ['i32.load', 'i32.load8_s', 'i32.load8_u', 'i32.load16_s', 'i32.load16_u'];

export class FunctionGenerator {
  constructor(private readonly prng: Prng) {}

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.prng.next() * items.length)]!;
  }

  private constant(): string {
    const r = this.prng.next();
    if (r < 0.5) return String(Math.floor(this.prng.next() * 40) - 8);
    return String(Math.floor(this.prng.next() * 2 ** 32) | 0);
  }

  pointer(depth: number): string {
    return `(i32.and ${this.i32(depth)} (i32.const 60))`;
  }

  i32(depth: number): string {
    const r = this.prng.next();
    if (depth <= 0 || r < 0.2) return this.pick(['(local.get 0)', '(local.get 1)', `(i32.const ${this.constant()})`, '(global.get $g)', '(local.get 3)']);
    if (r < 0.55) return `(i32.${this.pick(I32_BINARY)} ${this.i32(depth - 1)} ${this.i32(depth - 1)})`;
    if (r < 0.65) return `(i32.${this.pick(I32_UNARY)} ${this.i32(depth - 1)})`;
    if (r < 0.72) return `(${this.pick(LOADS)} offset=${this.pick([0, 1, 2])} ${this.pointer(depth - 1)})`;
    if (r < 0.78) return `(select ${this.i32(depth - 1)} ${this.i32(depth - 1)} ${this.i32(depth - 1)})`;
    if (r < 0.84) return `(if (result i32) ${this.i32(depth - 1)} (then ${this.i32(depth - 1)}) (else ${this.i32(depth - 1)}))`;
    if (r < 0.9) return `(block $b${depth} (result i32) (drop (br_if $b${depth} ${this.i32(depth - 1)} ${this.i32(depth - 1)})) ${this.i32(depth - 1)})`;
    if (r < 0.95) return `(i32.wrap_i64 ${this.i64(depth - 1)})`;
    return `(local.tee 3 ${this.i32(depth - 1)})`;
  }

  i64(depth: number): string {
    const r = this.prng.next();
    if (depth <= 0 || r < 0.3) return this.pick(['(local.get 2)', `(i64.const ${this.constant()})`, '(global.get $h)']);
    if (r < 0.7) return `(i64.${this.pick(I64_BINARY)} ${this.i64(depth - 1)} ${this.i64(depth - 1)})`;
    if (r < 0.85) return `(i64.extend_i32_${this.pick(['s', 'u'])} ${this.i32(depth - 1)})`;
    return `(i64.load offset=${this.pick([0, 4])} ${this.pointer(depth - 1)})`;
  }

  statement(depth: number): string {
    const r = this.prng.next();
    if (r < 0.3) return `(i32.store${this.pick(['', '8', '16'])} offset=${this.pick([0, 3])} ${this.pointer(depth)} ${this.i32(depth)})`;
    if (r < 0.45) return `(i64.store ${this.pointer(depth)} ${this.i64(depth)})`;
    if (r < 0.6) return `(global.set $g ${this.i32(depth)})`;
    if (r < 0.7) return `(global.set $h ${this.i64(depth)})`;
    if (r < 0.8) return `(if ${this.i32(depth)} (then ${this.statement(depth - 1)}))`;
    return `(local.set 3 ${this.i32(depth)})`;
  }

  function(name: string): string {
    const body = [this.statement(2), this.statement(2), this.i32(3)].join(' ');
    return `(func $${name} (export "${name}") (param i32 i32 i64) (result i32) (local i32) ${body})`;
  }
}

export function generatedModule(prng: Prng, count: number): string {
  const gen = new FunctionGenerator(prng);
  const funcs = Array.from({ length: count }, (_, i) => gen.function(`gen${i}`));
  return `(module (memory 1 2) (global $g (mut i32) (i32.const 0)) (global $h (mut i64) (i64.const 0)) ${funcs.join('\n')})`;
}
