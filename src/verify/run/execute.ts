import { Prng, hashText } from '../../util/prng.js';
import type { IrFunction, IrType } from '../../wasm/ir.js';
import { LINK_MAX, type EntryState } from './entry.js';
import { FUEL, MEMORY, PROBE_MODULE, WRITTEN_WORDS, callExport, globalExport, writtenWord, type Harness } from './harness.js';

/**
 * One run of one side: instantiate the harness with the imports stubbed, put it in the entry state, call the
 * function, and observe what a caller could: trap or results, globals, memory, and the calls made to imports
 * (the world). Runs are bounded by fuel (see harness.ts); a run that exhausts it, overflows the stack or
 * cannot be set up is inconclusive and says why.
 */

export interface Observation {
  /** The trap's message, or null when the function returned. */
  trap: string | null;
  /** Raw bits of each result. */
  results: bigint[];
  /** Raw bits of each shared global after the run; a global this side does not have keeps its entry value. */
  globals: Map<string, bigint>;
  /** The instance's memory (a live view), or null without one. */
  memory: Uint8Array | null;
  /** The byte ranges [start, end) of `memory` the run may have written; absent: anywhere. */
  written?: ReadonlyArray<readonly [number, number]>;
  pages: number;
  /** Calls to imports, in order, with their arguments: the world. */
  calls: string[];
  /** Traced harnesses: per loop of the function (pre-order), per visit of its header, the raw bits of each local. */
  loops?: bigint[][][];
  /** Fuel the run used. */
  fuel: number;
}

/** A run that did not end: `fuel` is what it used before it was cut off, when it started at all. */
export type RunResult = { ran: true; observation: Observation } | { ran: false; why: string; fuel?: number };

/**
 * Fuel of one run: roughly the expressions it may execute (each function entry and loop iteration costs the
 * size of its code, see harness.ts). A run that needs more is inconclusive; a few milliseconds of V8.
 */
export const DEFAULT_FUEL = 300_000;

/** Header visits kept per loop in a traced run. */
const MAX_VISITS = 64;

export interface RunOptions {
  /** Types of the globals compared (the base's mutable globals), by name. */
  shared: Map<string, IrType>;
  fuel?: number;
  /** A new instance, not one put back (a refutation is confirmed on fresh instances: see PairRuns.refute). */
  fresh?: boolean;
}

const view = new DataView(new ArrayBuffer(8));

/** A JavaScript value for raw bits of a wasm type (a float's NaN payload does not survive this). */
export function jsValue(type: IrType, bits: bigint): number | bigint {
  switch (type) {
    case 'i32': return Number(BigInt.asIntN(32, bits));
    case 'i64': return BigInt.asIntN(64, bits);
    case 'f32': view.setUint32(0, Number(BigInt.asUintN(32, bits)), true); return view.getFloat32(0, true);
    default: view.setBigUint64(0, BigInt.asUintN(64, bits), true); return view.getFloat64(0, true);
  }
}

/** Raw bits of a JavaScript value of a wasm type (as jsValue's inverse). */
export function bitsOf(type: IrType, value: unknown): bigint {
  switch (type) {
    case 'i32': return BigInt((value as number) >>> 0);
    case 'i64': return BigInt.asUintN(64, value as bigint);
    case 'f32': view.setFloat32(0, value as number, true); return BigInt(view.getUint32(0, true));
    default: view.setFloat64(0, value as number, true); return view.getBigUint64(0, true);
  }
}

/** A value crossing the wrapper: floats travel as integers of their width. */
const carried = (type: IrType): IrType => (type === 'f32' ? 'i32' : type === 'f64' ? 'i64' : type);

/** Deterministic answers of imported functions: a function of the world seed, the import and the call's number. */
function answer(seed: number, key: string, call: number, type: IrType): number | bigint {
  const prng = new Prng(hashText(key, seed), call);
  const small = BigInt(prng.pick([0, 0, 1, 1, 2, -1, 8, 16, 255, 1024]));
  const bits = prng.chance(0.6) ? small : (BigInt(prng.nextUint32()) << 32n) | BigInt(prng.nextUint32());
  if (type === 'f32' || type === 'f64') return prng.chance(0.6) ? Number(small) : jsValue(type, bits);
  return jsValue(type, bits);
}

/** What the stubbed imports of a live instance read and write during the current run. */
interface RunContext {
  calls: string[];
  world: number | null;
  /** Traced runs: per loop, per header visit, the locals. */
  loops: bigint[][][] | undefined;
  /** The traced function's first numeric local (a probe of it starts a visit). */
  firstLocal: number;
  recording: boolean[];
}

/**
 * An instance kept between runs: instantiating costs more than putting an instance back the way
 * instantiation left it (its memory image and every global exported by the harness). One is kept per memory
 * size entry states ask for (memories do not shrink: argon2-browser's 16 MiB memory, one page more in 15 % of
 * the entry states, was instantiated again at each change of size, 80–100 ms each). It is replaced when a run
 * grew its memory or when an immutable imported global must take another value, and never kept for a module
 * with state a reset does not cover (tables it changes, segments it drops).
 */
interface Live {
  instance: WebAssembly.Instance;
  memory: WebAssembly.Memory | null;
  /** The memory as instantiation left it. */
  pristine: Pristine | null;
  /** Byte ranges of the memory that may differ from `pristine` (entry states' writes, runs' stores), or all of it. */
  dirty: Array<readonly [number, number]> | 'all';
  /** Every global the harness exports, with its value after instantiation. */
  globals: Array<[WebAssembly.Global, unknown]>;
  /** Imported mutable globals, set from the entry state, with their types. */
  imported: Map<string, [WebAssembly.Global, IrType]>;
  /** The values of immutable imported globals it was made with. */
  fixed: string;
  context: RunContext;
}

/** Live instances of a harness, by memory size in pages: at most LIVE_SIZES, the sizes used last. */
const live = new WeakMap<Harness, Map<number, Live>>();

/** Set-ups (memory size, link-time globals) a harness could not be instantiated with, and why. */
const failures = new WeakMap<Harness, Map<string, unknown>>();

/** Generated entry states ask for two sizes (the initial one, one page more); a replay may ask another. */
const LIVE_SIZES = 2;

/** An entry state asks for a memory larger than this engine lets it grow. */
class CannotGrow extends Error {}

function instantiate(harness: Harness, entry: EntryState, fixed: string): Live {
  const ir = harness.ir;
  const context: RunContext = { calls: [], world: null, loops: undefined, firstLocal: 0, recording: [] };
  const out: WebAssembly.Imports = {};
  const put = (module: string, base: string, value: unknown) => {
    (out[module] ??= {})[base] = value;
  };
  for (const f of ir.functions) {
    if (!f.imported) continue;
    const { module, base } = f.imported;
    const key = `${module}.${base}`;
    put(module, base, (...args: unknown[]) => {
      const { calls, world } = context;
      calls.push(`${key}(${args.map(String).join(',')})`);
      const answers = f.results.map((t) => (world === null ? jsValue(t, 0n) : answer(world, key, calls.length, t)));
      return answers.length === 1 ? answers[0] : answers.length === 0 ? undefined : answers;
    });
  }
  const imported = new Map<string, [WebAssembly.Global, IrType]>();
  for (const g of ir.globals) {
    if (!g.imported) continue;
    const global = new WebAssembly.Global({ value: g.type as 'i32', mutable: g.mutable }, jsValue(g.type, entry.globals.get(g.name) ?? 0n));
    if (g.mutable) imported.set(g.name, [global, g.type]);
    put(g.imported.module, g.imported.base, global);
  }
  let memory: WebAssembly.Memory | null = null;
  const m = ir.memory;
  if (m?.imported) {
    memory = new WebAssembly.Memory({ initial: m.initial, ...(m.max !== undefined ? { maximum: m.max } : {}), ...(m.shared ? { shared: true } : {}) });
    put(m.imported.module, m.imported.base, memory);
  }
  for (const t of ir.tables) {
    if (!t.imported) continue;
    // Room for element segments placed at an imported table base (EntryStates.linkValue).
    const initial = Math.min(t.initial + LINK_MAX, t.max ?? Number.POSITIVE_INFINITY);
    put(t.imported.module, t.imported.base, new WebAssembly.Table({ element: 'anyfunc', initial, ...(t.max !== undefined ? { maximum: t.max } : {}) }));
  }
  if (harness.traced) {
    const probe = (loop: number, local: number, bits: number | bigint) => {
      const { loops, recording } = context;
      const visits = loops?.[loop];
      if (!visits) return;
      if (local === context.firstLocal) {
        recording[loop] = visits.length < MAX_VISITS;
        if (recording[loop]) visits.push([]);
      }
      if (recording[loop]) visits[visits.length - 1]![local] = typeof bits === 'bigint' ? BigInt.asUintN(64, bits) : BigInt(bits >>> 0);
    };
    put(PROBE_MODULE, 'i32', probe);
    put(PROBE_MODULE, 'i64', probe);
  }
  const instance = new WebAssembly.Instance(harness.module, out);
  memory ??= (instance.exports[MEMORY] as WebAssembly.Memory | undefined) ?? null;
  if (memory) {
    const pages = memory.buffer.byteLength / 65536;
    try {
      if (entry.pages > pages) memory.grow(entry.pages - pages);
    } catch {
      throw new CannotGrow(`memory cannot grow to ${entry.pages} pages here`);
    }
  }
  const globals = Object.entries(instance.exports)
    .filter(([name, value]) => value instanceof WebAssembly.Global && (name === FUEL || name.startsWith(writtenWord(0).slice(0, -1)) || name.startsWith(globalExport(''))))
    .map(([, value]) => [value as WebAssembly.Global, (value as WebAssembly.Global).value] as [WebAssembly.Global, unknown]);
  return { instance, memory, pristine: memory && snapshot(new Uint8Array(memory.buffer), imageChunks(ir, entry)), dirty: [], globals, imported, fixed, context };
}

/**
 * A memory as instantiation left it: zero outside `chunks` (CHUNK bytes each, by start address), which hold
 * its bytes. Touching every page of a fresh memory is what costs (argon2-browser's 16 MiB: ~200 ms to copy
 * it whole, where putting back what a run wrote takes microseconds), so only the chunks the active data
 * segments may have written are kept.
 */
interface Pristine {
  length: number;
  chunks: Map<number, Uint8Array>;
}

const CHUNK = 65536;

function snapshot(memory: Uint8Array, chunks: number[] | undefined): Pristine {
  const starts = chunks ?? Array.from({ length: Math.ceil(memory.length / CHUNK) }, (_, i) => i * CHUNK);
  return { length: memory.length, chunks: new Map(starts.filter((c) => c < memory.length).map((c) => [c, memory.slice(c, c + CHUNK)])) };
}

/**
 * The chunks a fresh memory's active data segments write (at the offsets the entry state's link-time globals
 * give them), or undefined when a segment cannot be placed here (then the whole memory is kept).
 */
function imageChunks(ir: Harness['ir'], entry: EntryState): number[] | undefined {
  if (ir.memory?.is64) return undefined;
  const chunks = new Set<number>();
  for (const segment of ir.data) {
    if (segment.passive) continue;
    if (segment.unreadable || segment.offset === undefined) return undefined;
    let start = segment.offset;
    if (segment.offsetGlobal !== undefined) {
      const global = ir.globals.find((g) => g.name === segment.offsetGlobal);
      if (!global?.imported || global.mutable) return undefined;
      start += Number(BigInt.asUintN(32, entry.globals.get(global.name) ?? 0n));
    }
    for (let c = start - (start % CHUNK); c < start + segment.bytes.length; c += CHUNK) chunks.add(c);
  }
  return [...chunks];
}

/** A live instance of the harness put back as instantiation left it, or a new one. */
function reset(harness: Harness, entry: EntryState, fresh: boolean): Live {
  const fixed = harness.ir.globals.filter((g) => g.imported && !g.mutable).map((g) => String(entry.globals.get(g.name) ?? 0n)).join();
  let sizes = fresh ? undefined : live.get(harness);
  if (!sizes && !harness.stateful && !fresh) live.set(harness, (sizes = new Map()));
  let current = sizes?.get(entry.pages);
  if (current && current.fixed === fixed && (!current.memory || current.memory.buffer.byteLength === current.pristine!.length)) {
    if (current.memory) restore(new Uint8Array(current.memory.buffer), current.pristine!, current.dirty);
    current.dirty = [];
    for (const [global, value] of current.globals) global.value = value;
  } else {
    // Instantiation depends only on the memory size and the link-time globals: one that failed fails again.
    const setUp = `${entry.pages}:${fixed}`;
    let failed = failures.get(harness);
    const known = failed?.get(setUp);
    if (known) throw known;
    try {
      current = instantiate(harness, entry, fixed);
    } catch (error) {
      if (!failures.has(harness)) failures.set(harness, (failed = new Map()));
      failed!.set(setUp, error);
      throw error;
    }
  }
  if (sizes) {
    // Most recently used last; the least recently used size goes past LIVE_SIZES (each holds its memory twice).
    sizes.delete(entry.pages);
    sizes.set(entry.pages, current);
    for (const size of sizes.keys()) if (sizes.size > LIVE_SIZES) sizes.delete(size);
  }
  for (const [name, [global, type]] of current.imported) global.value = jsValue(type, entry.globals.get(name) ?? 0n);
  return current;
}

/** Puts back the bytes of `memory` that may differ from `pristine`. */
function restore(memory: Uint8Array, pristine: Pristine, dirty: Live['dirty']): void {
  for (const [start, end] of dirty === 'all' ? [[0, memory.length] as const] : dirty) {
    for (let chunk = start - (start % CHUNK); chunk < end; chunk += CHUNK) {
      const from = Math.max(start, chunk);
      const to = Math.min(end, chunk + CHUNK);
      const image = pristine.chunks.get(chunk);
      if (image) memory.set(image.subarray(from - chunk, to - chunk), from);
      else memory.fill(0, from, to);
    }
  }
}

/** Marks [start, end) of a live instance's memory (clamped to it) as possibly changed since instantiation. */
function touch(current: Live, start: number, end: number): void {
  if (current.dirty === 'all' || !current.memory) return;
  const length = current.memory.buffer.byteLength;
  if (end > length) end = length;
  if (start >= end) return;
  if (current.dirty.length >= MAX_DIRTY_RANGES) current.dirty = 'all';
  else current.dirty.push([start, end]);
}

/** Beyond this many ranges, putting the whole memory back is as cheap and simpler. */
const MAX_DIRTY_RANGES = 512;

/** A side instantiated and put in its entry state, ready to run once. */
export interface Prepared {
  /** The instance's memory (live). */
  memory: Uint8Array | null;
  /**
   * Makes this side's entry memory `other`'s (a pair whose data images differ runs both sides on the base's).
   * Both hold the same entry state's writes, over memories that are zero outside their data images.
   */
  adoptImage(other: Prepared): void;
  /** The chunks (by start address) where this side's memory as instantiated may not be zero. */
  imageChunks(): Iterable<number>;
  run(): RunResult;
}

/** Runs `fn` of the harness's module from `entry`. */
export function runSide(harness: Harness, fn: IrFunction, entry: EntryState, options: RunOptions): RunResult {
  const prepared = prepare(harness, fn, entry, options);
  return 'why' in prepared ? { ran: false, why: prepared.why } : prepared.run();
}

/** Puts a live instance of the harness in `entry`; the call happens in `run()`. */
export function prepare(harness: Harness, fn: IrFunction, entry: EntryState, options: RunOptions): Prepared | { why: string } {
  if (!harness.runnable.has(fn.name)) return { why: `${fn.name} has a signature runs cannot carry` };
  let current: Live;
  try {
    current = reset(harness, entry, options.fresh ?? false);
  } catch (error) {
    if (error instanceof CannotGrow) return { why: error.message };
    return { why: `the module cannot be instantiated here: ${error instanceof Error ? error.message : String(error)}` };
  }
  const { instance, memory, context } = current;
  const calls: string[] = [];
  const loops = harness.traced?.fn === fn.name ? Array.from({ length: harness.traced.loops }, (): bigint[][] => []) : undefined;
  Object.assign(context, {
    calls, world: entry.world, loops, recording: [],
    firstLocal: [...fn.params, ...fn.vars].findIndex((t) => t === 'i32' || t === 'i64' || t === 'f32' || t === 'f64'),
  });
  const exports = instance.exports;
  if (memory) {
    const heap = new Uint8Array(memory.buffer);
    if (entry.memory === 'zero') {
      heap.fill(0);
      current.dirty = 'all';
    }
    for (const [address, bytes] of entry.writes) {
      if (address >= heap.length) continue;
      heap.set(bytes.subarray(0, heap.length - address), address);
      touch(current, address, address + bytes.length);
    }
  }
  for (const [name, bits] of entry.globals) {
    const global = exports[globalExport(name)] as WebAssembly.Global | undefined;
    const type = options.shared.get(name) ?? harness.ir.globals.find((g) => g.name === name)?.type;
    if (global && type) global.value = jsValue(type, bits);
  }
  const fuel = exports[FUEL] as WebAssembly.Global;
  const budget = options.fuel ?? DEFAULT_FUEL;
  fuel.value = budget;
  const target = exports[callExport(fn.name)] as (...args: unknown[]) => unknown;
  /** What the run may have written, also marked dirty on the instance (whether or not the run ended). */
  const written = (): Array<readonly [number, number]> | undefined => {
    const chunk = harness.writtenChunk;
    if (!memory || !chunk) {
      current.dirty = 'all';
      return undefined;
    }
    const length = memory.buffer.byteLength;
    const ranges: Array<[number, number]> = [];
    for (let w = 0; w < WRITTEN_WORDS; w++) {
      const word = (exports[writtenWord(w)] as WebAssembly.Global).value as bigint;
      if (word === 0n) continue;
      for (let bit = 0; bit < 64; bit++) {
        if (((word >> BigInt(bit)) & 1n) === 0n) continue;
        const start = (w * 64 + bit) * chunk;
        // The last chunk also stands for every address past it.
        const end = w * 64 + bit === WRITTEN_WORDS * 64 - 1 ? length : Math.min(length, start + chunk);
        if (start >= end) continue;
        const last = ranges[ranges.length - 1];
        if (last && last[1] === start) last[1] = end;
        else ranges.push([start, end]);
      }
    }
    for (const [start, end] of ranges) touch(current, start, end);
    return ranges;
  };
  const run = (): RunResult => {
    const result = call();
    const range = written();
    if (result.ran && range) result.observation.written = range;
    return result;
  };
  const call = (): RunResult => {
    let trap: string | null = null;
    let results: bigint[] = [];
    try {
      const result = target(...fn.params.map((t, i) => jsValue(carried(t), entry.params[i] ?? 0n)));
      results = fn.results.map((t) => bitsOf(carried(t), result));
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) {
        if ((fuel.value as number) < 0) return { ran: false, why: 'the run ran out of fuel (a long or endless loop or recursion)', fuel: budget };
        trap = error.message;
      } else if (error instanceof RangeError) {
        return { ran: false, why: 'the run overflowed the stack', fuel: budget - (fuel.value as number) };
      } else {
        return { ran: false, why: `the run threw ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    const globals = new Map<string, bigint>();
    for (const [name, type] of options.shared) {
      const global = exports[globalExport(name)] as WebAssembly.Global | undefined;
      globals.set(name, global ? bitsOf(type, global.value) : (entry.globals.get(name) ?? 0n));
    }
    const observation: Observation = {
      trap, results, globals, calls,
      memory: memory ? new Uint8Array(memory.buffer) : null,
      pages: memory ? memory.buffer.byteLength / 65536 : 0,
      ...(loops ? { loops } : {}),
      fuel: budget - (fuel.value as number),
    };
    return { ran: true, observation };
  };
  const imageChunks = () => current.pristine?.chunks.keys() ?? [];
  const adoptImage = (other: Prepared) => {
    if (!memory || !other.memory) return;
    const heap = new Uint8Array(memory.buffer);
    for (const chunk of new Set([...imageChunks(), ...other.imageChunks()])) {
      heap.set(other.memory.subarray(chunk, chunk + CHUNK), chunk);
      touch(current, chunk, chunk + CHUNK);
    }
  };
  return { memory: memory ? new Uint8Array(memory.buffer) : null, adoptImage, imageChunks, run };
}
