import { readCustomSections } from '../wasm/sections.js';

function readU32(bytes: Uint8Array, offset: number): [number, number] {
  let result = 0;
  let shift = 0;
  let pos = offset;
  for (;;) {
    const byte = bytes[pos++];
    if (byte === undefined) throw new Error('truncated LEB128');
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

/**
 * How many functions the name section names. binaryen gives unnamed functions their index as a name but does
 * not write it out, so names are only comparable between modules when every function is named.
 */
export function namedFunctionCount(bytes: Uint8Array): number {
  const section = readCustomSections(bytes).find((s) => s.name === 'name');
  if (!section) return 0;
  const p = section.payload;
  let pos = 0;
  try {
    while (pos < p.length) {
      const id = p[pos++]!;
      const [size, start] = readU32(p, pos);
      if (id === 1) return readU32(p, start)[0];
      pos = start + size;
    }
  } catch {
    return 0;
  }
  return 0;
}
