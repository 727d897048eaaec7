import { readSections } from './sections.js';

const CODE_SECTION = 10;
const DATA_COUNT_SECTION = 12;

/**
 * The byte pairs that start an instruction naming a data segment, by prefix: memory.init and data.drop
 * (0xfc 8 and 9), GC's array.new_data and array.init_data (0xfb 9 and 18).
 */
const DATA_SEGMENT_OPCODES: ReadonlyMap<number, readonly number[]> = new Map([
  [0xfc, [0x08, 0x09]],
  [0xfb, [0x09, 0x12]],
]);

/**
 * The module without its data count section when no instruction names a data segment. binaryen writes the
 * section whenever bulk memory is enabled and the module has data (so `wasm-opt` does too), but the spec
 * needs it only ahead of code that names data segments: otherwise it is three or more bytes that change
 * nothing. The code section is searched for those instructions' first two bytes anywhere (immediates
 * included), so a module that might use them keeps the section; so does one that would not validate without.
 */
export function withoutUnusedDataCount(bytes: Uint8Array): Uint8Array {
  const sections = readSections(bytes);
  const dataCount = sections.find((s) => s.id === DATA_COUNT_SECTION);
  if (!dataCount) return bytes;
  const code = sections.find((s) => s.id === CODE_SECTION);
  if (code && mayNameDataSegment(code.payload)) return bytes;
  const end = dataCount.payload.byteOffset - bytes.byteOffset + dataCount.payload.length;
  const without = new Uint8Array(bytes.length - (end - dataCount.start));
  without.set(bytes.subarray(0, dataCount.start));
  without.set(bytes.subarray(end), dataCount.start);
  return WebAssembly.validate(without) ? without : bytes;
}

function mayNameDataSegment(code: Uint8Array): boolean {
  // Byte by byte over the whole code section, on the daemon's thread: no allocation per byte.
  for (let i = 0; i + 1 < code.length; i++) {
    const seconds = DATA_SEGMENT_OPCODES.get(code[i]!);
    if (seconds?.includes(code[i + 1]!)) return true;
  }
  return false;
}
