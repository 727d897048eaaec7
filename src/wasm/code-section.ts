import { ByteReader, encodeU32 } from './bytes.js';
import { readSections, type Section } from './sections.js';

const CODE_SECTION = 10;

function sectionBytes(bytes: Uint8Array, section: Section): Uint8Array {
  const end = section.payload.byteOffset - bytes.byteOffset + section.payload.length;
  return bytes.subarray(section.start, end);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Each defined function's body in the module's code section (in order), without its size prefix. */
export function functionBodies(bytes: Uint8Array): Uint8Array[] {
  const code = readSections(bytes).find((s) => s.id === CODE_SECTION);
  return code ? codeEntries(code.payload) : [];
}

/** Each function body of a code section, without its size prefix. */
function codeEntries(payload: Uint8Array): Uint8Array[] {
  const reader = new ByteReader(payload);
  return Array.from({ length: reader.u32() }, () => reader.take(reader.u32()));
}

/**
 * `target` with the bodies of the defined functions `fromSource` picks (by position in the code section)
 * taken from `source`. Both must be one module written twice, differing in the code section only (e.g. with
 * and without stack IR optimization); returns undefined when they differ anywhere else.
 */
export function spliceFunctionBodies(target: Uint8Array, source: Uint8Array, fromSource: (definedIndex: number) => boolean): Uint8Array | undefined {
  const a = readSections(target);
  const b = readSections(source);
  if (a.length !== b.length) return undefined;
  let code: { section: Section; entries: Uint8Array[]; other: Uint8Array[] } | undefined;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x.id !== y.id) return undefined;
    if (x.id === CODE_SECTION) code = { section: x, entries: codeEntries(x.payload), other: codeEntries(y.payload) };
    else if (!sameBytes(sectionBytes(target, x), sectionBytes(source, y))) return undefined;
  }
  if (!code || code.entries.length !== code.other.length) return undefined;
  const { section, entries, other } = code;
  const body = entries.flatMap((entry, i) => {
    const chosen = fromSource(i) ? other[i]! : entry;
    return [...encodeU32(chosen.length), ...chosen];
  });
  const payload = [...encodeU32(entries.length), ...body];
  const end = section.start + sectionBytes(target, section).length;
  const out = new Uint8Array(section.start + 1 + encodeU32(payload.length).length + payload.length + (target.length - end));
  out.set(target.subarray(0, section.start));
  out.set([CODE_SECTION, ...encodeU32(payload.length), ...payload], section.start);
  out.set(target.subarray(end), section.start + 1 + encodeU32(payload.length).length + payload.length);
  return out;
}
