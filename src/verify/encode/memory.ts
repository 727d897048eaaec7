import type { IrMemory } from '../../wasm/ir.js';
import type { Builder } from '../graph/build.js';
import type { BV, Bool, Mem, MemSort } from '../graph/terms.js';
import type { Env } from './state.js';

/**
 * Linear memory: an array from address to byte plus its size in pages. An access computes address +
 * offset without wrap-around in a wider width, traps when the bytes leave the memory, and reads or writes
 * at that address taken at the address width — which is the same address whenever the access does not trap.
 */

/** What a memory instruction needs from the side being encoded. */
export interface MemorySide {
  readonly build: Builder;
  env: Env;
  /** The instruction traps when `cond` holds (on the current path). */
  trap(cond: Bool): void;
  /** Records that an uninterpreted function stands in for `what`. */
  approximate(what: string): void;
}

/** Bulk operations with a constant length up to this are written byte by byte. */
const BULK_LIMIT = 64;

export class MemoryModel {
  readonly addrWidth: 32 | 64;
  /** A width in which address + offset + length cannot wrap. */
  readonly extWidth: number;
  readonly sort: MemSort;

  constructor(readonly decl: IrMemory) {
    this.addrWidth = decl.is64 ? 64 : 32;
    this.extWidth = decl.is64 ? 96 : 64;
    this.sort = decl.is64 ? 'mem64' : 'mem32';
  }

  /** Entry states: the size lies within the declared limits. */
  sizePrecondition(b: Builder, size: BV): Bool {
    const max = BigInt(this.decl.max ?? (this.decl.is64 ? 2 ** 48 : 65536));
    const w = this.addrWidth;
    return b.and(b.not(b.ult(size, b.constant(BigInt(this.decl.initial), w))), b.not(b.ult(b.constant(max, w), size)));
  }

  /** ptr + offset without wrap-around, trapping when [ea, ea+length) leaves the memory. Returns the address. */
  access(side: MemorySide, ptr: BV, offset: bigint, length: bigint | BV): BV {
    const b = side.build;
    const e = this.extWidth;
    const ea = b.add(b.zext(ptr, e), b.constant(offset, e));
    const len = typeof length === 'bigint' ? b.constant(length, e) : b.zext(length, e);
    const limit = b.mul(b.zext(side.env.size!, e), b.constant(65536n, e));
    side.trap(b.ult(limit, b.add(ea, len)));
    return b.extract(ea, this.addrWidth - 1, 0);
  }

  load(side: MemorySide, ptr: BV, offset: bigint, bytes: number, signed: boolean, width: number): BV {
    const b = side.build;
    const addr = this.access(side, ptr, offset, BigInt(bytes));
    const raw = b.load(side.env.mem!, addr, bytes);
    if (raw.width === width) return raw;
    return signed ? b.sext(raw, width) : b.zext(raw, width);
  }

  store(side: MemorySide, ptr: BV, offset: bigint, bytes: number, value: BV): void {
    const b = side.build;
    const addr = this.access(side, ptr, offset, BigInt(bytes));
    const stored = value.width === 8 * bytes ? value : b.extract(value, 8 * bytes - 1, 0);
    side.env.mem = b.store(side.env.mem!, addr, stored);
  }

  /**
   * memory.grow is uninterpreted but the same function of (size, delta, world) on both sides: whether it
   * succeeds, and what the new pages hold.
   */
  grow(side: MemorySide, delta: BV): BV {
    const b = side.build;
    const { mem, size, world } = side.env as Env & { mem: Mem; size: BV };
    side.approximate('memory.grow');
    const ok = b.uf('grow_ok', 'bool', [size, delta, world]);
    const grown = b.uf('grow_mem', this.sort, [mem, size, delta]);
    side.env.size = b.ite(ok, b.add(size, delta), size);
    side.env.mem = b.ite(ok, grown, mem);
    return b.ite(ok, size, b.constant(-1n, this.addrWidth));
  }

  /**
   * Bulk operations: both ranges are checked before anything is written (bulk memory traps without partial
   * writes). A constant length up to BULK_LIMIT bytes is written byte by byte; any other length is exact
   * too, as one term over the range (replay then sets only the bytes other accesses probed).
   */
  fill(side: MemorySide, dest: BV, value: BV, length: BV): void {
    const b = side.build;
    const byte = b.extract(value, 7, 0);
    const n = small(length);
    const addr = this.access(side, dest, 0n, n ?? length);
    if (n !== undefined) {
      for (let k = 0n; k < n; k++) side.env.mem = b.store(side.env.mem!, b.add(addr, b.constant(k, this.addrWidth)), byte);
      return;
    }
    side.env.mem = b.apply('fill', this.sort, [side.env.mem!, addr, length, byte]) as Mem;
  }

  copy(side: MemorySide, dest: BV, source: BV, length: BV): void {
    const b = side.build;
    const n = small(length);
    const from = this.access(side, source, 0n, n ?? length);
    const to = this.access(side, dest, 0n, n ?? length);
    const before = side.env.mem!;
    if (n !== undefined) {
      const at = (addr: BV, k: bigint) => b.add(addr, b.constant(k, this.addrWidth));
      const bytes = Array.from({ length: Number(n) }, (_, k) => b.load(before, at(from, BigInt(k)), 1));
      bytes.forEach((byte, k) => { side.env.mem = b.store(side.env.mem!, at(to, BigInt(k)), byte); });
      return;
    }
    side.env.mem = b.apply('copy', this.sort, [before, to, from, length]) as Mem;
  }
}

function small(length: BV): bigint | undefined {
  const n = length.op === 'const' ? (length.data as bigint) : undefined;
  return n !== undefined && n <= BigInt(BULK_LIMIT) ? n : undefined;
}
