/** Reading and writing the WebAssembly binary format's primitives (LEB128 integers, names). */

export class ByteReader {
  constructor(
    readonly bytes: Uint8Array,
    public offset = 0,
  ) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  byte(): number {
    if (this.offset >= this.bytes.length) throw new RangeError(`unexpected end at byte ${this.offset}`);
    return this.bytes[this.offset++]!;
  }

  /** An unsigned LEB128 of up to 64 bits, as a number (exact below 2^53, enough for sizes and indices). */
  u32(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.byte();
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new RangeError(`LEB128 too long at byte ${this.offset}`);
  }

  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length) throw new RangeError(`${length} bytes needed at byte ${this.offset}`);
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  name(): string {
    return new TextDecoder().decode(this.take(this.u32()));
  }
}

export function encodeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

export function encodeName(name: string): number[] {
  const utf8 = [...new TextEncoder().encode(name)];
  return [...encodeU32(utf8.length), ...utf8];
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
