import type { IrType } from '../../wasm/ir.js';
import type { Observation } from './execute.js';

/**
 * Whether two runs behaved alike, as design §2 compares them: trap or not; then the results, every global
 * something can see (`types.globals`), the memory size, the calls to imports (the world) and the whole memory — on a trap, the state at
 * the trap point. Which trap it was does not matter (wasm traps are one behaviour). NaNs are equal whatever
 * their payload: wasm leaves the payload of a NaN an operation produces nondeterministic, and optimizers
 * (binaryen among them) do not keep it.
 */

const isNan = (type: IrType, bits: bigint) =>
  type === 'f32' ? (bits & 0x7f800000n) === 0x7f800000n && (bits & 0x7fffffn) !== 0n
    : type === 'f64' ? (bits & 0x7ff0000000000000n) === 0x7ff0000000000000n && (bits & 0xfffffffffffffn) !== 0n
    : false;

const sameValue = (type: IrType, a: bigint, b: bigint) => a === b || (isNan(type, a) && isNan(type, b));

/** Raw bits as text: integers in decimal, floats as their bits in hex. */
export const bitsText = (type: IrType, bits: bigint): string =>
  type === 'f32' || type === 'f64' ? `0x${bits.toString(16)}` : bits.toString();

const NAN32 = (bytes: Uint8Array, at: number) => {
  if (at < 0 || at + 4 > bytes.length) return false;
  const bits = BigInt(bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) | (BigInt(bytes[at + 3]!) << 24n);
  return isNan('f32', bits);
};
const NAN64 = (bytes: Uint8Array, at: number) => {
  if (at < 0 || at + 8 > bytes.length) return false;
  let bits = 0n;
  for (let k = 7; k >= 0; k--) bits = (bits << 8n) | BigInt(bytes[at + k]!);
  return isNan('f64', bits);
};

/**
 * The first address where the memories differ other than inside a NaN both sides hold (a float stored with
 * another payload), or undefined when they agree. Only the ranges given are compared (by default all of
 * it): runs that started from the same memory differ nowhere else than where one of them wrote.
 */
export function memoryDifference(a: Uint8Array, b: Uint8Array, ranges: ReadonlyArray<readonly [number, number]> = [[0, a.length]]): string | undefined {
  if (a.length !== b.length) return `memory of ${a.length} vs ${b.length} bytes`;
  for (const [from, to] of ranges) {
    const found = differenceIn(a, b, from, Math.min(a.length, to));
    if (found) return found;
  }
  return undefined;
}

function differenceIn(a: Uint8Array, b: Uint8Array, from: number, to: number): string | undefined {
  const view = (x: Uint8Array, start: number, end: number) => Buffer.from(x.buffer, x.byteOffset + start, end - start);
  // Chunk by chunk with memcmp: memories are mostly equal, and only a differing chunk is read byte by byte.
  for (let chunk = from; chunk < to; chunk += CHUNK) {
    const end = Math.min(to, chunk + CHUNK);
    if (view(a, chunk, end).equals(view(b, chunk, end))) continue;
    for (let i = chunk; i < end; i++) {
      if (a[i] === b[i]) continue;
      let nan = false;
      for (let start = i - 7; start <= i && !nan; start++) {
        nan = (start >= i - 3 && NAN32(a, start) && NAN32(b, start)) || (NAN64(a, start) && NAN64(b, start));
      }
      if (!nan) return `memory[${i}] = ${a[i]} vs ${b[i]}`;
    }
  }
  return undefined;
}

const CHUNK = 65536;

export interface Compared {
  /** What told the runs apart, or undefined when they behaved alike. */
  difference?: string;
  base: string;
  candidate: string;
}

/** One side's behaviour as a line of text (what a counterexample shows). */
export function describe(o: Observation, types: { results: IrType[]; globals: Map<string, IrType> }): string {
  const globals = [...types.globals].map(([name, type]) => `${name}=${bitsText(type, o.globals.get(name)!)}`).join(', ');
  const calls = o.calls.length > 8 ? [...o.calls.slice(0, 8), `… ${o.calls.length - 8} more`] : o.calls;
  const head = o.trap !== null ? `trap (${o.trap})` : `results [${o.results.map((r, i) => bitsText(types.results[i]!, r)).join(', ')}]`;
  return `${head}; globals [${globals}]; pages ${o.pages}; calls [${calls.join('; ')}]`;
}

/** Where either run wrote (both started from the same memory), or all of it. */
function writtenByEither(a: Observation, b: Observation, length: number): ReadonlyArray<readonly [number, number]> {
  if (!a.written || !b.written) return [[0, length]];
  const merged: Array<[number, number]> = [];
  for (const [start, end] of [...a.written, ...b.written].sort((x, y) => x[0] - y[0])) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

export function compare(a: Observation, b: Observation, types: { results: IrType[]; globals: Map<string, IrType> }): Compared {
  const base = describe(a, types);
  const candidate = describe(b, types);
  const differ = (difference: string): Compared => ({ difference, base, candidate });
  if ((a.trap === null) !== (b.trap === null)) return differ(a.trap !== null ? 'only the base trapped' : 'only the candidate trapped');
  if (a.trap === null && a.results.some((r, i) => !sameValue(types.results[i]!, r, b.results[i]!))) return differ('results differ');
  for (const [name, type] of types.globals) {
    if (!sameValue(type, a.globals.get(name)!, b.globals.get(name)!)) return differ(`global ${name} differs`);
  }
  if (a.pages !== b.pages) return differ('memory sizes differ');
  if (a.calls.length !== b.calls.length || a.calls.some((c, i) => c !== b.calls[i])) return differ('calls to imports differ');
  if (a.memory && b.memory) {
    const memory = memoryDifference(a.memory, b.memory, writtenByEither(a, b, a.memory.length));
    if (memory) return { difference: memory, base: `${base}; ${memory}`, candidate };
  }
  return { base, candidate };
}
