import { AtollError, ErrorCodes } from '../protocol/errors.js';

export interface Section {
  /** Section id (0 = custom). */
  id: number;
  /** Custom sections only: the section's name. */
  name?: string;
  /** Byte offset of the section's id byte in the module. */
  start: number;
  /** The payload after the id and size (and, for custom sections, after the name). */
  payload: Uint8Array;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const VERSION = [0x01, 0x00, 0x00, 0x00];

/** Checks the 8-byte header and splits the module into sections, naming the first structural problem. */
export function readSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new AtollError(
      ErrorCodes.NotWasm,
      bytes.length === 0
        ? 'the input is empty, not a WebAssembly module'
        : 'the input is not a WebAssembly module (it does not start with the bytes \\0asm)',
    );
  }
  if (VERSION.some((b, i) => bytes[4 + i] !== b)) {
    const version = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getUint32(0, true);
    throw new AtollError(
      ErrorCodes.UnsupportedFeature,
      `WebAssembly binary version ${version} is not supported (only version 1; components are not modules)`,
    );
  }
  const sections: Section[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const start = offset;
    const id = bytes[offset++]!;
    const [size, sizeEnd] = readU32(bytes, offset, start);
    offset = sizeEnd;
    if (offset + size > bytes.length) {
      throw new AtollError(
        ErrorCodes.MalformedWasm,
        `the module is truncated: section ${id} at byte ${start} declares ${size} bytes but only ` +
          `${bytes.length - offset} remain`,
        { offset: start },
      );
    }
    let payload = bytes.subarray(offset, offset + size);
    let name: string | undefined;
    if (id === 0) {
      const [nameLength, nameEnd] = readU32(payload, 0, start);
      if (nameEnd + nameLength > payload.length) {
        throw new AtollError(ErrorCodes.MalformedWasm, `custom section at byte ${start} has a malformed name`, {
          offset: start,
        });
      }
      name = new TextDecoder().decode(payload.subarray(nameEnd, nameEnd + nameLength));
      payload = payload.subarray(nameEnd + nameLength);
    }
    sections.push({ id, start, payload, ...(name === undefined ? {} : { name }) });
    offset += size;
  }
  return sections;
}

export function readCustomSections(bytes: Uint8Array): Section[] {
  return readSections(bytes).filter((s) => s.id === 0);
}

function readU32(bytes: Uint8Array, offset: number, sectionStart: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (offset >= bytes.length) break;
    const byte = bytes[offset++]!;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result >>> 0, offset];
    shift += 7;
  }
  throw new AtollError(ErrorCodes.MalformedWasm, `the module is truncated or malformed at byte ${sectionStart}`, {
    offset: sectionStart,
  });
}
