import { bvLit, bvSort, ite } from './smt.js';
import type { IrMemory } from '../wasm/ir.js';
import type { Sink, Value } from './values.js';

/** The state outside the function's locals: linear memory, its size in pages, mutable globals, the world. */
export interface Env {
  mem: string;
  size: string;
  world: string;
  globals: string[];
}

export interface MemorySink extends Sink {
  env: Env;
  /** Records that the entry memory at `addr` (count bytes) matters, so replay can set it from the model. */
  probe(addr: string, count: number): void;
}

/** Bulk operations with a constant length up to this are written byte by byte. */
const BULK_LIMIT = 64;

/** Address width, and a wider width in which address + offset + length cannot wrap. */
export class MemoryModel {
  readonly addrWidth: number;
  readonly extWidth: number;

  constructor(readonly decl: IrMemory) {
    this.addrWidth = decl.is64 ? 64 : 32;
    this.extWidth = decl.is64 ? 96 : 64;
  }

  get arraySort(): string {
    return `(Array ${bvSort(this.addrWidth)} (_ BitVec 8))`;
  }

  get sizeSort(): string {
    return bvSort(this.addrWidth);
  }

  /** Entry states: the size lies within the declared limits. */
  sizePrecondition(size: string): string {
    const max = BigInt(this.decl.max ?? (this.decl.is64 ? 2 ** 48 : 65536));
    const w = this.addrWidth;
    return `(and (bvuge ${size} ${bvLit(BigInt(this.decl.initial), w)}) (bvule ${size} ${bvLit(max, w)}))`;
  }

  private extend(term: string): string {
    return `((_ zero_extend ${this.extWidth - this.addrWidth}) ${term})`;
  }

  /** ptr + offset without wrap-around, trapping when [ea, ea+length) leaves the memory. Returns the address. */
  access(sink: MemorySink, ptr: string, offset: bigint, length: bigint | string): string {
    const e = this.extWidth;
    const ea = sink.value(e, `(bvadd ${this.extend(ptr)} ${bvLit(offset, e)})`).term;
    const len = typeof length === 'bigint' ? bvLit(length, e) : this.extend(length);
    const limit = `(bvmul ${this.extend(sink.env.size)} ${bvLit(65536n, e)})`;
    sink.trap(`(bvugt (bvadd ${ea} ${len}) ${limit})`);
    return sink.value(this.addrWidth, `((_ extract ${this.addrWidth - 1} 0) ${ea})`).term;
  }

  byteAddress(addr: string, k: number): string {
    return k === 0 ? addr : `(bvadd ${addr} ${bvLit(BigInt(k), this.addrWidth)})`;
  }

  readBytes(sink: MemorySink, addr: string, count: number): string[] {
    sink.probe(addr, count);
    return Array.from({ length: count }, (_, k) => `(select ${sink.env.mem} ${this.byteAddress(addr, k)})`);
  }

  writeBytes(sink: MemorySink, addr: string, bytes: string[]): void {
    sink.probe(addr, bytes.length);
    let mem = sink.env.mem;
    bytes.forEach((byte, k) => {
      mem = `(store ${mem} ${this.byteAddress(addr, k)} ${byte})`;
    });
    sink.env.mem = sink.script.define('m', this.arraySort, mem);
  }

  load(sink: MemorySink, ptr: Value, offset: bigint, bytes: number, signed: boolean, width: number): Value {
    const addr = this.access(sink, ptr.term, offset, BigInt(bytes));
    const parts = this.readBytes(sink, addr, bytes).reverse();
    const raw = parts.length === 1 ? parts[0]! : `(concat ${parts.join(' ')})`;
    const extra = width - bytes * 8;
    const value = extra === 0 ? raw : `((_ ${signed ? 'sign_extend' : 'zero_extend'} ${extra}) ${raw})`;
    return sink.value(width, value);
  }

  store(sink: MemorySink, ptr: Value, offset: bigint, bytes: number, value: Value): void {
    const addr = this.access(sink, ptr.term, offset, BigInt(bytes));
    const parts = Array.from({ length: bytes }, (_, k) => `((_ extract ${8 * k + 7} ${8 * k}) ${value.term})`);
    this.writeBytes(sink, addr, parts);
  }

  /**
   * memory.grow is uninterpreted but the same function of (size, delta, world) on both sides: whether it
   * succeeds, and what the new pages hold.
   */
  grow(sink: MemorySink, delta: Value): Value {
    const s = this.sizeSort;
    const ok = sink.bool(`(${sink.script.declareFun('grow_ok', [s, s, '(_ BitVec 64)'], 'Bool')} ${sink.env.size} ${delta.term} ${sink.env.world})`);
    const grown = `(${sink.script.declareFun('grow_mem', [this.arraySort, s, s], this.arraySort)} ${sink.env.mem} ${sink.env.size} ${delta.term})`;
    const old = sink.env.size;
    const result = sink.value(this.addrWidth, ite(ok, old, bvLit(-1n, this.addrWidth)));
    sink.env.size = sink.value(this.addrWidth, ite(ok, `(bvadd ${old} ${delta.term})`, old)).term;
    sink.env.mem = sink.script.define('m', this.arraySort, ite(ok, grown, sink.env.mem));
    return result;
  }

  /**
   * Bulk operations. A constant length up to BULK_LIMIT bytes is written byte by byte (the bytes read are
   * probed, so a counterexample replays); any other length is exact too, as an array lambda over the range
   * (replay then sets only the bytes other accesses probed).
   */
  fill(sink: MemorySink, dest: Value, value: Value, length: Value): void {
    const byte = `((_ extract 7 0) ${value.term})`;
    if (isSmall(length)) {
      const addr = this.access(sink, dest.term, 0n, length.lit);
      this.writeBytes(sink, addr, Array.from({ length: Number(length.lit) }, () => byte));
      return;
    }
    const addr = this.access(sink, dest.term, 0n, length.term);
    this.writeRange(sink, addr, length.term, () => byte);
  }

  copy(sink: MemorySink, dest: Value, source: Value, length: Value): void {
    // Both ranges are checked before anything is written (bulk-memory traps without partial writes).
    const from = this.access(sink, source.term, 0n, isSmall(length) ? length.lit : length.term);
    const to = this.access(sink, dest.term, 0n, isSmall(length) ? length.lit : length.term);
    if (isSmall(length)) {
      const bytes = this.readBytes(sink, from, Number(length.lit)).map((b) => sink.value(8, b).term);
      this.writeBytes(sink, to, bytes);
      return;
    }
    // Reads see the memory before the copy, which is memmove's meaning for overlapping ranges.
    const before = sink.env.mem;
    this.writeRange(sink, to, length.term, (offset) => `(select ${before} (bvadd ${from} ${offset}))`);
  }

  /** Memory with [addr, addr+length) replaced by byteAt(offset within the range); the range does not wrap. */
  private writeRange(sink: MemorySink, addr: string, length: string, byteAt: (offset: string) => string): void {
    const offset = `(bvsub lambda_a ${addr})`;
    const lambda = `(lambda ((lambda_a ${this.sizeSort})) (ite (bvult ${offset} ${length}) ${byteAt(offset)} (select ${sink.env.mem} lambda_a)))`;
    sink.env.mem = sink.script.define('m', this.arraySort, lambda);
  }
}

function isSmall(length: Value): length is Value & { lit: bigint } {
  return length.lit !== undefined && length.lit <= BigInt(BULK_LIMIT);
}

