import { ByteReader } from './bytes.js';
import type { IrModule } from './ir.js';
import { readSections } from './sections.js';

const DATA_SECTION = 11;

/** Where an active segment goes: the value of a global (by index) plus a constant, or just the constant. */
export interface SegmentOffset {
  global?: number;
  value: number;
}

export interface RawDataSegment {
  passive: boolean;
  /** Active segments only. */
  offset?: SegmentOffset;
  bytes: Uint8Array;
}

function s32(reader: ByteReader): number {
  let result = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = reader.byte();
    result |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80 && shift < 35);
  return shift < 32 && byte & 0x40 ? result | (-1 << shift) : result;
}

const END = 0x0b;
const I32_CONST = 0x41;
const GLOBAL_GET = 0x23;
const I32_ADD = 0x6a;

/**
 * A constant expression of the forms compilers emit for segment offsets: `i32.const c`, `global.get g`
 * (Emscripten's dynamic linking: `__memory_base`), or `global.get g; i32.const c; i32.add` (extended const).
 */
function readOffset(reader: ByteReader): SegmentOffset | undefined {
  const ops: Array<{ op: number; arg: number }> = [];
  for (let op = reader.byte(); op !== END; op = reader.byte()) {
    if (op === I32_CONST) ops.push({ op, arg: s32(reader) });
    else if (op === GLOBAL_GET) ops.push({ op, arg: reader.u32() });
    else if (op === I32_ADD) ops.push({ op, arg: 0 });
    else return undefined;
  }
  const shape = ops.map((o) => o.op).join(',');
  if (shape === `${I32_CONST}`) return { value: ops[0]!.arg >>> 0 };
  if (shape === `${GLOBAL_GET}`) return { global: ops[0]!.arg, value: 0 };
  if (shape === `${GLOBAL_GET},${I32_CONST},${I32_ADD}`) return { global: ops[0]!.arg, value: ops[1]!.arg >>> 0 };
  return undefined;
}


/**
 * The data segments as the binary holds them. binaryen.js cannot report a segment whose offset is not a
 * constant; reading them here lets the module check compare such segments (offset expression and bytes).
 * Returns undefined when the section holds something this reader does not parse (another offset expression,
 * a second memory): then nothing is claimed about any segment.
 */
export function readDataSegments(bytes: Uint8Array): RawDataSegment[] | undefined {
  const section = readSections(bytes).find((s) => s.id === DATA_SECTION);
  if (!section) return [];
  const reader = new ByteReader(section.payload);
  const segments: RawDataSegment[] = [];
  try {
    for (let n = reader.u32(); n > 0; n--) {
      const flags = reader.u32();
      if (flags === 1) {
        segments.push({ passive: true, bytes: reader.take(reader.u32()) });
        continue;
      }
      if (flags === 2 && reader.u32() !== 0) return undefined;
      if (flags !== 0 && flags !== 2) return undefined;
      const offset = readOffset(reader);
      if (!offset) return undefined;
      segments.push({ passive: false, offset, bytes: reader.take(reader.u32()) });
    }
  } catch {
    return undefined;
  }
  return segments;
}

/**
 * Fills in the segments binaryen.js could not report (see extractModule) from the binary, naming an offset's
 * global as the IR does. Leaves them unreadable when the binary does not parse or does not line up.
 */
export function completeDataSegments(ir: IrModule, bytes: Uint8Array): void {
  if (!ir.data.some((d) => d.unreadable)) return;
  const raw = readDataSegments(bytes);
  if (!raw || raw.length !== ir.data.length) return;
  ir.data = ir.data.map((segment, i) => {
    const { passive, offset, bytes: content } = raw[i]!;
    if (!segment.unreadable) return segment;
    const global = offset?.global === undefined ? undefined : ir.globals[offset.global]?.name;
    if (offset?.global !== undefined && global === undefined) return segment;
    return { name: segment.name, passive, bytes: content, ...(offset ? { offset: offset.value } : {}), ...(global ? { offsetGlobal: global } : {}) };
  });
}
