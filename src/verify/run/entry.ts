import { Prng, hashText } from '../../util/prng.js';
import type { IrFunction, IrModule, IrType } from '../../wasm/ir.js';
import { widthOf } from '../encode/side.js';

/**
 * The state a run starts from, shared by both sides of a pair (design §2's entry state, made concrete):
 * parameters, globals, memory contents and size, and the answers of the imports.
 */
export interface EntryState {
  /** Raw bits per parameter (floats as their IEEE bits). */
  params: bigint[];
  /** Raw bits by global name: the base's mutable globals and every imported global. Others keep their initializer. */
  globals: Map<string, bigint>;
  /** Memory size in pages (at least the module's initial size). */
  pages: number;
  /** The contents before `writes`: as instantiation leaves it (the data segments' image), or all zeros. */
  memory: 'image' | 'zero';
  /** Bytes written over it, in order: (address, bytes). */
  writes: Array<[number, Uint8Array]>;
  /** What the imported functions answer: a seed for deterministic answers, or null for zeros. */
  world: number | null;
}

const F32_EDGES = [0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0x7f800000, 0xff800000,
  0x00000001, 0x80000001, 0x007fffff, 0x7f7fffff, 0xff7fffff, 0x3f000000, 0xbf000000, 0x3fc00000, 0x4f000000, 0xcf000000, 0x5f000000,
  0x4effffff, 0x3effffff, 0x40490fdb].map(BigInt);
const F64_EDGES = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n,
  0x7ff4000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 1n, 0x8000000000000001n, 0x000fffffffffffffn, 0x7fefffffffffffffn,
  0x3fe0000000000000n, 0xbfe0000000000000n, 0x3ff8000000000000n, 0x41e0000000000000n, 0xc1e0000000000000n, 0x43e0000000000000n,
  0x41dfffffffc00000n, 0x3fdfffffffffffffn, 0x400921fb54442d18n];

const view = new DataView(new ArrayBuffer(8));
const floatBits = (type: 'f32' | 'f64', value: number): bigint => {
  if (type === 'f32') {
    view.setFloat32(0, value, true);
    return BigInt(view.getUint32(0, true));
  }
  view.setFloat64(0, value, true);
  return view.getBigUint64(0, true);
};

/** The stream that draws a function's link-time values (EntryStates.linkValue); the runs use streams 0 and 1. */
const LINK_STREAM = 0x4c494e4b;
/** Link-time values are multiples of LINK_ALIGN up to LINK_SLOTS of them: a base address or a table base. */
const LINK_ALIGN = 16;
const LINK_SLOTS = 64;
/** The largest link-time value: imported tables get this much room (execute.ts) for segments placed at a base. */
export const LINK_MAX = LINK_ALIGN * LINK_SLOTS;

/** Inputs are drawn from this seed, the function's name and the input's number: runs are reproducible. */
function seedOf(name: string, salt: number): number {
  return hashText(name, 0x811c9dc5 ^ salt);
}

/**
 * Generates entry states for runs of `fn` (base side) in `module`: the first few are plain (zeros, ones,
 * initial globals, the data image), the rest mix edge values (0, ±1, the extremes, NaNs with and without
 * payload, ±0, infinities, subnormals, powers of two at the conversion limits), small numbers, addresses
 * inside the memory, and random bits; memory gets bytes around the addresses the parameters point at and
 * elsewhere (see contents), and sometimes an extra page.
 */
export class EntryStates {
  private readonly memoryBytes: number;
  private readonly mutable: IrModule['globals'];
  /** The values immutable imported globals take in every state that is not plain (see linkValue). */
  private readonly linked: Map<string, bigint>;

  constructor(private readonly module: IrModule, private readonly fn: IrFunction) {
    this.memoryBytes = (module.memory?.initial ?? 0) * 65536;
    this.mutable = module.globals.filter((g) => g.mutable);
    const prng = new Prng(seedOf(fn.name, LINK_STREAM));
    this.linked = new Map(module.globals.filter((g) => g.imported && !g.mutable).map((g) => [g.name, this.linkValue(prng, g.type)]));
  }

  /** The `index`-th entry state of the stream `stream` (streams are independent sequences). */
  state(index: number, stream = 0): EntryState {
    const prng = new Prng(seedOf(this.fn.name, stream), index);
    const plain = stream === 0 && index < 2;
    const params = this.fn.params.map((t) => (plain ? this.plain(t, index) : this.value(prng, t)));
    const globals = new Map(this.mutable.map((g) => {
      const init = g.init !== undefined ? BigInt(g.init === 'nan' ? 0 : g.init) : 0n;
      return [g.name, plain || prng.chance(0.5) ? init : this.value(prng, g.type)] as const;
    }));
    for (const [name, value] of this.linked) globals.set(name, plain ? 0n : value);
    const memory = this.module.memory;
    const growable = memory && !memory.is64 && (memory.max === undefined || memory.max > memory.initial);
    const pages = memory ? memory.initial + (growable && !plain && prng.chance(0.15) ? 1 : 0) : 0;
    const writes: Array<[number, Uint8Array]> = [];
    if (memory && !plain && prng.chance(0.8)) {
      const limit = pages * 65536;
      const targets = params.filter((p, i) => this.fn.params[i] === 'i32' && p < BigInt(limit)).map(Number);
      for (const at of [...targets.slice(0, 3), prng.int(0, Math.max(0, limit - 1))]) {
        const start = Math.max(0, Math.min(limit - 256, at - 64));
        if (start < 0) continue;
        writes.push([start, this.contents(prng, Math.min(256, limit - start), limit)]);
      }
    }
    return { params, globals, pages, memory: 'image', writes, world: (seedOf(this.fn.name, stream) ^ index) >>> 0 };
  }

  /**
   * Bytes to write over the memory around an address: mostly zeros, random bytes, or aligned 32-bit words
   * of the kinds data structures hold (small counts and sizes, addresses inside the memory, edge values).
   * Random bytes rarely make a word code follows as a pointer or uses as an index: an allocator's header read
   * from them sends it out of bounds at once (rabin's TLSF insertBlock: 2 entry states in 3600 told a mutant
   * of it apart).
   */
  private contents(prng: Prng, length: number, limit: number): Uint8Array {
    const bytes = new Uint8Array(length);
    const r = prng.next();
    if (r < 0.3) {
      for (let k = 0; k < length; k++) bytes[k] = prng.chance(0.7) ? 0 : prng.int(0, 255);
    } else if (r < 0.65) {
      for (let k = 0; k < length; k++) bytes[k] = prng.int(0, 255);
    } else {
      const words = new DataView(bytes.buffer);
      for (let k = 0; k + 4 <= length; k += 4) {
        const kind = prng.next();
        const word = kind < 0.35 ? prng.int(0, 64) : kind < 0.65 ? prng.int(0, limit - 1) & ~prng.pick([3, 7, 15]) : kind < 0.85 ? prng.pick([0, 1, 0xffffffff, 0x80000000]) : prng.nextUint32();
        words.setUint32(k, word >>> 0, true);
      }
    }
    return bytes;
  }

  /**
   * An immutable imported global is fixed when the module is instantiated (an emscripten module's
   * __memory_base, __table_base, __heap_base): a state that gives it a new value cannot reuse a live instance
   * (execute.ts), and a random one mostly places the data or element segments out of bounds. Each function's
   * states give it one value (zero in the plain ones): small, aligned, so the segments still fit.
   */
  private linkValue(prng: Prng, type: IrType): bigint {
    return type === 'i32' || type === 'i64' ? BigInt(prng.int(0, LINK_SLOTS) * LINK_ALIGN) : this.value(prng, type);
  }

  private plain(type: IrType, index: number): bigint {
    if (type === 'f32') return floatBits('f32', index);
    if (type === 'f64') return floatBits('f64', index);
    return BigInt(index);
  }

  private value(prng: Prng, type: IrType): bigint {
    const width = widthOf(type);
    const r = prng.next();
    if (type === 'f32' || type === 'f64') {
      if (r < 0.5) return prng.pick(type === 'f32' ? F32_EDGES : F64_EDGES);
      if (r < 0.8) return floatBits(type, (prng.int(-1000, 1000) / prng.pick([1, 1, 2, 4, 10, 3])) * prng.pick([1, 1, 1e-3, 1e6, 2 ** 40]));
      return this.bits(prng, width);
    }
    if (r < 0.3) {
      const edges = [0n, 1n, -1n, 2n, -2n, 1n << BigInt(width - 1), (1n << BigInt(width - 1)) - 1n, 0xffn, 0x100n, 0xffffn, 0x7fffn, 0x80n, 31n, 32n, 63n, 64n];
      return BigInt.asUintN(width, prng.pick(edges));
    }
    if (r < 0.5) return BigInt(prng.int(0, 64));
    if (r < 0.75 && this.memoryBytes > 0) return BigInt(prng.int(0, this.memoryBytes - 1) & ~prng.pick([0, 3, 7]));
    return this.bits(prng, width);
  }

  private bits(prng: Prng, width: number): bigint {
    const low = BigInt(prng.nextUint32());
    return width === 32 ? low : (BigInt(prng.nextUint32()) << 32n) | low;
  }
}
