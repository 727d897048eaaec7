import { ByteReader, encodeName, encodeU32 } from './bytes.js';
import { readSections, type Section } from './sections.js';

const IMPORT_SECTION = 2;
const GLOBAL_SECTION = 6;
const FUNCTION_SECTION = 3;
const CODE_SECTION = 10;
const FUNCTION_NAMES = 1;
const GLOBAL_NAMES = 7;
const MEMORY_NAMES = 6;

/**
 * Gives every function and every global a name in the name section. binaryen calls an unnamed function or
 * global by its index, and does not write such names back, so after a pass removes one the others' made-up
 * names shift and no longer identify them. The verifier pairs functions and globals by name, so the engine
 * names them all at ingest (`fn<index>`, `global<index>`, avoiding names in use). Returns the bytes unchanged
 * when everything is named or the import section holds something this reader does not parse (then pairing
 * falls back to the verifier's structural matching, which reports what it cannot pair).
 */
export function nameEveryFunctionAndGlobal(bytes: Uint8Array): Uint8Array {
  const sections = readSections(bytes);
  const spaces = indexSpaces(sections);
  if (spaces === undefined) return bytes;
  const nameSection = sections.find((s) => s.id === 0 && s.name === 'name');
  const parsed = nameSection ? parseNameSection(nameSection.payload) : undefined;
  const functionNames = completeNames(parsed?.names.get(FUNCTION_NAMES), spaces.functions, 'fn');
  const globalNames = completeNames(parsed?.names.get(GLOBAL_NAMES), spaces.globals, 'global');
  if (!functionNames && !globalNames) return bytes;
  const replaced = new Map<number, Map<number, string>>();
  if (functionNames) replaced.set(FUNCTION_NAMES, functionNames);
  if (globalNames) replaced.set(GLOBAL_NAMES, globalNames);
  return replaceNames(bytes, sections, replaced);
}

/** `names` with every index below `count` named (`<prefix><index>`, avoiding names in use), or undefined when it already was. */
function completeNames(names: Map<number, string> | undefined, count: number, prefix: string): Map<number, string> | undefined {
  const complete = new Map(names ?? []);
  if (complete.size >= count) return undefined;
  const used = new Set(complete.values());
  for (let index = 0; index < count; index++) {
    if (complete.has(index)) continue;
    let name = `${prefix}${index}`;
    for (let k = 1; used.has(name); k++) name = `${prefix}${index}_${k}`;
    complete.set(index, name);
    used.add(name);
  }
  return complete;
}

/**
 * Names every function and every global by index (imports first, as the index spaces go), replacing the
 * name section's function and global subsections and keeping the others. The verifier uses it to give a
 * module without names the names of the functions and globals it was matched with. Returns undefined when
 * the import section holds something this reader does not parse.
 */
export function renameFunctionsAndGlobals(bytes: Uint8Array, functions: readonly string[], globals: readonly string[]): Uint8Array | undefined {
  const sections = readSections(bytes);
  if (functionCount(sections) !== functions.length) return undefined;
  const byIndex = (names: readonly string[]) => new Map(names.map((name, index) => [index, name]));
  return replaceNames(bytes, sections, new Map([[FUNCTION_NAMES, byIndex(functions)], [GLOBAL_NAMES, byIndex(globals)]]));
}

/**
 * The module without names for its memories. binaryen.js cannot report a memory's name, and one named in the
 * name section (`(memory $mem 1)`) cannot be exported by its default name "0"; unnamed, it has that name.
 */
export function withoutMemoryNames(bytes: Uint8Array): Uint8Array {
  const sections = readSections(bytes);
  const nameSection = sections.find((s) => s.id === 0 && s.name === 'name');
  if (!nameSection || !parseNameSection(nameSection.payload).subsections.some((s) => s[0] === MEMORY_NAMES)) return bytes;
  return replaceNames(bytes, sections, new Map([[MEMORY_NAMES, new Map()]]));
}

/** The module with its name section's subsections `replaced` (id → index → name) written anew, the rest kept. */
function replaceNames(bytes: Uint8Array, sections: Section[], replaced: Map<number, Map<number, string>>): Uint8Array {
  const nameSection = sections.find((s) => s.id === 0 && s.name === 'name');
  const kept = nameSection ? parseNameSection(nameSection.payload).subsections.filter((s) => !replaced.has(s[0]!)) : [];
  const written = [...replaced].filter(([, names]) => names.size > 0).map(([id, names]) => {
    const entries = [...names].sort(([a], [b]) => a - b).flatMap(([index, name]) => [...encodeU32(index), ...encodeName(name)]);
    return new Uint8Array([id, ...withSize([...encodeU32(names.size), ...entries])]);
  });
  // Subsections go in id order (module name 0, functions 1, locals 2, …, globals 7).
  const subsections = [...kept, ...written].sort((a, b) => a[0]! - b[0]!).flatMap((s) => [...s]);
  const section = new Uint8Array([0, ...withSize([...encodeName('name'), ...subsections])]);
  if (!nameSection) return concat(bytes, section);
  const end = sectionEnd(bytes, nameSection);
  return concat(bytes.subarray(0, nameSection.start), section, bytes.subarray(end));
}

/**
 * The size in bytes of each defined function's body in the code section, by the name the name section gives
 * it (functions without a name are left out): what a step that did not go through would have saved.
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
  const functionNames = parseNameSection(nameSection.payload).names.get(FUNCTION_NAMES) ?? new Map<number, string>();
  for (let i = 0; i < defined; i++) {
    const size = reader.u32();
    reader.take(size);
    const name = functionNames.get(imported + i);
    if (name !== undefined) sizes.set(name, size);
  }
  return sizes;
}

/**
 * The module without its name section. Names are debug information: a module whose name section is damaged
 * is still the same program, and is read without it.
 */
export function withoutNameSection(bytes: Uint8Array): Uint8Array {
  const nameSections = readSections(bytes).filter((s) => s.id === 0 && s.name === 'name');
  if (nameSections.length === 0) return bytes;
  const kept: Uint8Array[] = [];
  let from = 0;
  for (const section of nameSections) {
    kept.push(bytes.subarray(from, section.start));
    from = sectionEnd(bytes, section);
  }
  return concat(...kept, bytes.subarray(from));
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

/** Imported plus defined functions and globals, or undefined when an import's type is beyond this reader. */
function indexSpaces(sections: Section[]): { functions: number; globals: number } | undefined {
  const count = (id: number) => {
    const section = sections.find((s) => s.id === id);
    return section ? new ByteReader(section.payload).u32() : 0;
  };
  const spaces = { functions: count(FUNCTION_SECTION), globals: count(GLOBAL_SECTION) };
  const imports = sections.find((s) => s.id === IMPORT_SECTION);
  if (!imports) return spaces;
  const reader = new ByteReader(imports.payload);
  try {
    for (let n = reader.u32(); n > 0; n--) {
      reader.name();
      reader.name();
      const kind = reader.byte();
      if (kind === 0) {
        reader.u32();
        spaces.functions++;
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
        spaces.globals++;
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
  return spaces;
}

function functionCount(sections: Section[]): number | undefined {
  return indexSpaces(sections)?.functions;
}

function skipLimits(reader: ByteReader): void {
  const flags = reader.byte();
  reader.u32();
  if (flags & 1) reader.u32();
  // Custom page sizes (flag 0x08) carry a page-size exponent.
  if (flags & 8) reader.u32();
}

/** The name section's subsections as they are, and the index → name maps of those naming functions and globals. */
function parseNameSection(payload: Uint8Array): { names: Map<number, Map<number, string>>; subsections: Uint8Array[] } {
  const reader = new ByteReader(payload);
  const names = new Map<number, Map<number, string>>();
  const subsections: Uint8Array[] = [];
  while (!reader.done) {
    const start = reader.offset;
    const id = reader.byte();
    const size = reader.u32();
    const body = reader.take(size);
    subsections.push(payload.subarray(start, reader.offset));
    if (id === FUNCTION_NAMES || id === GLOBAL_NAMES) {
      const inner = new ByteReader(body);
      const map = new Map<number, string>();
      for (let n = inner.u32(); n > 0; n--) map.set(inner.u32(), inner.name());
      names.set(id, map);
    }
  }
  return { names, subsections };
}
