import { ByteReader, encodeName, encodeU32 } from './bytes.js';
import { readSections, type Section } from './sections.js';

const IMPORT_SECTION = 2;
const FUNCTION_SECTION = 3;
const CODE_SECTION = 10;
const FUNCTION_NAMES = 1;

/**
 * Gives every function a name in the name section. binaryen calls an unnamed function by its index, and
 * does not write such names back, so after a pass removes a function the others' made-up names shift and
 * no longer identify them. The verifier pairs functions by name, so the engine names them all at ingest
 * (`fn<index>`, avoiding names in use). Returns the bytes unchanged when every function is named or the
 * import section holds something this reader does not parse (then pairing falls back to the verifier's
 * structural matching, which reports what it cannot pair).
 */
export function nameEveryFunction(bytes: Uint8Array): Uint8Array {
  const sections = readSections(bytes);
  const count = functionCount(sections);
  if (count === undefined || count === 0) return bytes;
  const nameSection = sections.find((s) => s.id === 0 && s.name === 'name');
  const { functionNames, otherSubsections } = nameSection ? parseNameSection(nameSection.payload) : { functionNames: new Map<number, string>(), otherSubsections: [] as Uint8Array[] };
  if (functionNames.size >= count) return bytes;
  const used = new Set(functionNames.values());
  for (let index = 0; index < count; index++) {
    if (functionNames.has(index)) continue;
    let name = `fn${index}`;
    for (let k = 1; used.has(name); k++) name = `fn${index}_${k}`;
    functionNames.set(index, name);
    used.add(name);
  }
  const entries = [...functionNames].sort(([a], [b]) => a - b).flatMap(([index, name]) => [...encodeU32(index), ...encodeName(name)]);
  const functionSubsection = [FUNCTION_NAMES, ...withSize([...encodeU32(functionNames.size), ...entries])];
  // Subsections go in id order: the module name (0) before function names (1) before the rest.
  const before = otherSubsections.filter((s) => s[0] === 0).flatMap((s) => [...s]);
  const after = otherSubsections.filter((s) => s[0] !== 0).flatMap((s) => [...s]);
  const payload = [...encodeName('name'), ...before, ...functionSubsection, ...after];
  const section = new Uint8Array([0, ...withSize(payload)]);
  if (!nameSection) return concat(bytes, section);
  const end = sectionEnd(bytes, nameSection);
  return concat(bytes.subarray(0, nameSection.start), section, bytes.subarray(end));
}

/**
 * The size in bytes of each defined function's body in the code section, by the name the name section gives
 * it (functions without a name are left out). What "smaller" means when the mosaic picks bodies.
 */
export function functionBodySizes(bytes: Uint8Array): Map<string, number> {
  const sections = readSections(bytes);
  const nameSection = sections.find((s) => s.id === 0 && s.name === 'name');
  const code = sections.find((s) => s.id === CODE_SECTION);
  const sizes = new Map<string, number>();
  const total = functionCount(sections);
  if (!nameSection || !code || total === undefined) return sizes;
  const reader = new ByteReader(code.payload);
  const defined = reader.u32();
  const imported = total - defined;
  const { functionNames } = parseNameSection(nameSection.payload);
  for (let i = 0; i < defined; i++) {
    const size = reader.u32();
    reader.take(size);
    const name = functionNames.get(imported + i);
    if (name !== undefined) sizes.set(name, size);
  }
  return sizes;
}

function withSize(content: number[]): number[] {
  return [...encodeU32(content.length), ...content];
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function sectionEnd(bytes: Uint8Array, section: Section): number {
  const reader = new ByteReader(bytes, section.start + 1);
  const size = reader.u32();
  return reader.offset + size;
}

/** Imported plus defined functions, or undefined when an import's type is beyond this reader. */
function functionCount(sections: Section[]): number | undefined {
  const defined = sections.find((s) => s.id === FUNCTION_SECTION);
  let count = defined ? new ByteReader(defined.payload).u32() : 0;
  const imports = sections.find((s) => s.id === IMPORT_SECTION);
  if (!imports) return count;
  const reader = new ByteReader(imports.payload);
  try {
    for (let n = reader.u32(); n > 0; n--) {
      reader.name();
      reader.name();
      const kind = reader.byte();
      if (kind === 0) {
        reader.u32();
        count++;
      } else if (kind === 1) {
        const refType = reader.byte();
        if (refType !== 0x70 && refType !== 0x6f) return undefined;
        skipLimits(reader);
      } else if (kind === 2) {
        skipLimits(reader);
      } else if (kind === 3) {
        const valType = reader.byte();
        if (valType < 0x7b || valType > 0x7f) {
          if (valType !== 0x70 && valType !== 0x6f) return undefined;
        }
        reader.byte();
      } else if (kind === 4) {
        reader.byte();
        reader.u32();
      } else {
        return undefined;
      }
    }
  } catch {
    return undefined;
  }
  return count;
}

function skipLimits(reader: ByteReader): void {
  const flags = reader.byte();
  reader.u32();
  if (flags & 1) reader.u32();
  // Custom page sizes (flag 0x08) carry a page-size exponent.
  if (flags & 8) reader.u32();
}

function parseNameSection(payload: Uint8Array): { functionNames: Map<number, string>; otherSubsections: Uint8Array[] } {
  const reader = new ByteReader(payload);
  const functionNames = new Map<number, string>();
  const otherSubsections: Uint8Array[] = [];
  while (!reader.done) {
    const start = reader.offset;
    const id = reader.byte();
    const size = reader.u32();
    const body = reader.take(size);
    if (id === FUNCTION_NAMES) {
      const inner = new ByteReader(body);
      for (let n = inner.u32(); n > 0; n--) functionNames.set(inner.u32(), inner.name());
    } else {
      otherSubsections.push(payload.subarray(start, reader.offset));
    }
  }
  return { functionNames, otherSubsections };
}
