import { ByteReader, encodeU32, sameBytes } from './bytes.js';
import { readSections, type Section } from './sections.js';

const CODE_SECTION = 10;

function sectionBytes(bytes: Uint8Array, section: Section): Uint8Array {
  const end = section.payload.byteOffset - bytes.byteOffset + section.payload.length;
  return bytes.subarray(section.start, end);
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
 * The code-section bodies of two modules that differ in function bodies only (one module written twice, or
 * edited inside its functions), or undefined when they differ anywhere else, in the number of bodies included.
 */
export function bodiesOfOneModule(a: Uint8Array, b: Uint8Array): [Uint8Array[], Uint8Array[]] | undefined {
  const x = readSections(a);
  const y = readSections(b);
  if (x.length !== y.length) return undefined;
  let bodies: [Uint8Array[], Uint8Array[]] | undefined;
  for (let i = 0; i < x.length; i++) {
    if (x[i]!.id !== y[i]!.id) return undefined;
    if (x[i]!.id === CODE_SECTION) bodies = [codeEntries(x[i]!.payload), codeEntries(y[i]!.payload)];
    else if (!sameBytes(sectionBytes(a, x[i]!), sectionBytes(b, y[i]!))) return undefined;
  }
  return bodies && bodies[0].length === bodies[1].length ? bodies : undefined;
}

/**
 * `target` with the bodies of the defined functions `fromSource` picks (by position in the code section)
 * taken from `source`. Both must be one module written twice, differing in the code section only (e.g. with
 * and without stack IR optimization); returns undefined when they differ anywhere else.
 */
export function spliceFunctionBodies(target: Uint8Array, source: Uint8Array, fromSource: (definedIndex: number) => boolean): Uint8Array | undefined {
  const other = bodiesOfOneModule(target, source)?.[1];
  return other && withFunctionBodies(target, (i) => (fromSource(i) ? other[i] : undefined));
}

/**
 * `bytes` with the body of each defined function for which `replace` (by position in the code section) gives
 * one replaced by it, everything else as it was. The new bodies must use `bytes`' index spaces.
 */
export function withFunctionBodies(bytes: Uint8Array, replace: (definedIndex: number) => Uint8Array | undefined): Uint8Array {
  const section = readSections(bytes).find((s) => s.id === CODE_SECTION);
  if (!section) throw new Error('the module has no code section');
  const entries = codeEntries(section.payload);
  const body = entries.flatMap((entry, i) => {
    const chosen = replace(i) ?? entry;
    return [...encodeU32(chosen.length), ...chosen];
  });
  const payload = [...encodeU32(entries.length), ...body];
  const end = section.start + sectionBytes(bytes, section).length;
  const head = [CODE_SECTION, ...encodeU32(payload.length)];
  const out = new Uint8Array(section.start + head.length + payload.length + (bytes.length - end));
  out.set(bytes.subarray(0, section.start));
  out.set([...head, ...payload], section.start);
  out.set(bytes.subarray(end), section.start + head.length + payload.length);
  return out;
}
