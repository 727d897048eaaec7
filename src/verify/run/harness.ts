import { binaryen, isBinaryenAbort, readModule } from '../../wasm/binaryen.js';
import type { IrFunction, IrModule, IrType } from '../../wasm/ir.js';
import { withoutMemoryNames } from '../../wasm/names.js';
import { childFields, children } from '../../wasm/walk.js';
import { expressionEdit, type Access } from '../../wasm/expression-edit.js';

/**
 * The runnable form of one side's module: the module itself, changed only so that it can be driven and
 * bounded from outside. Its start function is removed (a run starts from a chosen state, not from
 * instantiation); its memory, its globals and every function whose signature JavaScript can carry exactly
 * are exported; a fuel counter is decremented at every function entry and loop header, by the size of the
 * code that entry or iteration may run (capped), and traps when it runs out, which bounds every run by a
 * count, never by wall time (a run that runs out is inconclusive, not a difference). Floats cross into and out of a function as their raw bits (a wrapper reinterprets them),
 * since a JavaScript number does not keep a NaN's payload. One harness serves every function of the module.
 */

export const FUEL = '__atoll_fuel';
const GROW_DELTA = '__atoll_grow_delta';
/**
 * Which chunks of the memory a run may have written: a bitmap of WRITTEN_CHUNKS bits in i64 globals, one bit
 * per `Harness.writtenChunk` bytes, set by every store at its effective address (an access whose range is not
 * read sets them all). A run reads it so that putting an instance back and comparing two memories cost the
 * chunks written, not the memory's size (argon2-browser's 16 MiB: 2.7 ms a run, nearly all of it copying and
 * comparing memory); a range from the lowest to the highest address written would not do, since a stack at
 * the top and a heap at the bottom of the memory span most of it.
 */
export const writtenWord = (i: number) => `__atoll_written_${i}`;
export const WRITTEN_WORDS = 4;
const WRITTEN_CHUNKS = 64 * WRITTEN_WORDS;
/** The address a store is about to use (held for the bitmap update; each store reads it back at once). */
const WRITE_ADDRESS = '__atoll_write_address';
const MARK_WRITTEN = '__atoll_mark_written';

/**
 * Pages a run's memory may grow beyond its initial size (4 MB). A `memory.grow` past it fails (returns -1,
 * as a host may make it), the same on both sides: a run cannot take gigabytes because a random global said
 * the heap was full.
 */
export const GROWTH_LIMIT = 64;
export const MEMORY = '__atoll_memory';
export const callExport = (fn: string) => `__atoll_call:${fn}`;
export const globalExport = (global: string) => `__atoll_global:${global}`;
/** The imports a traced harness calls at each loop header of the traced function, once per local. */
export const PROBE_MODULE = '__atoll_probe';

export interface Harness {
  module: WebAssembly.Module;
  ir: IrModule;
  /** Functions that can be called through `callExport` (numeric parameters, at most one numeric result). */
  runnable: Set<string>;
  /** The traced function's loops, in pre-order, when the harness traces one (see `buildHarness`). */
  traced?: { fn: string; loops: number };
  /** Some code changes instance state besides memory and globals (a table, a dropped segment). */
  stateful: boolean;
  /**
   * Bytes per bit of the written-chunks bitmap (writtenWord), when runs record what they write: a 32-bit
   * memory the module defines or imports.
   */
  writtenChunk?: number;
}

export interface HarnessOptions {
  /** Binaryen feature flags to read the module with. */
  features: number;
  /**
   * Globals the runs set at entry, by name: every mutable global of the base. A side that made one of them
   * immutable (never written there) gets it mutable again, so that both sides start from the same state.
   */
  settable: readonly string[];
  /** Record every local of this function at each of its loop headers (see loop-samples.ts). */
  trace?: string;
}

/**
 * How an expression that writes memory gives its address operand: with its static offset and width (the
 * bytes it writes are known), or without (it counts as writing anywhere: a lane store's width is in its
 * operator, the bulk operations' sizes are run-time values).
 */
interface Writer {
  get(e: number): number;
  set(e: number, address: number): void;
  range?: (e: number) => [offset: number, bytes: number];
}

const edit = expressionEdit(binaryen);

const exact = (access: Access): Writer => ({ get: access.getPtr, set: access.setPtr, range: (e) => [access.getOffset(e), access.getBytes(e)] });
const anywhere = (get: Writer['get'], set: Writer['set']): Writer => ({ get, set });
/** The expressions that write memory, by expression id. */
const WRITERS = new Map<number, Writer>([
  [binaryen.StoreId, exact(edit.Store)],
  [binaryen.AtomicRMWId, exact(edit.AtomicRMW)],
  [binaryen.AtomicCmpxchgId, exact(edit.AtomicCmpxchg)],
  [binaryen.SIMDLoadStoreLaneId, anywhere(edit.SIMDLoadStoreLane.getPtr, edit.SIMDLoadStoreLane.setPtr)],
  [binaryen.MemoryFillId, anywhere(edit.MemoryFill.getDest, edit.MemoryFill.setDest)],
  [binaryen.MemoryCopyId, anywhere(edit.MemoryCopy.getDest, edit.MemoryCopy.setDest)],
  [binaryen.MemoryInitId, anywhere(edit.MemoryInit.getDest, edit.MemoryInit.setDest)],
]);

const NUMERIC = new Set<IrType>(['i32', 'i64', 'f32', 'f64']);

/** Whether a function's signature crosses the JavaScript boundary bit for bit (through the wrapper). */
export const isRunnable = (fn: IrFunction) =>
  !fn.imported && fn.params.every((t) => NUMERIC.has(t)) && fn.results.length <= 1 && fn.results.every((t) => NUMERIC.has(t));

/** Harnesses by module bytes (identity) and options: building one reads and writes the whole module. */
const built = new WeakMap<Uint8Array, Map<string, Harness | Error>>();

/**
 * The harness of `bytes` (whose IR is `ir`), built once per bytes and options. Throws a plain Error when the
 * module cannot be made runnable (V8 rejects it, or binaryen cannot read it); a binaryen abort is rethrown
 * as it is, so that the worker it happened on is replaced.
 */
export function buildHarness(bytes: Uint8Array, ir: IrModule, options: HarnessOptions): Harness {
  let byOptions = built.get(bytes);
  if (!byOptions) built.set(bytes, (byOptions = new Map()));
  const key = `${options.features}|${options.settable.join('\u0000')}|${options.trace ?? ''}`;
  let harness = byOptions.get(key);
  if (!harness) {
    try {
      harness = instrument(bytes, ir, options);
    } catch (error) {
      if (isBinaryenAbort(error)) throw error;
      harness = new Error(`the module cannot be made runnable: ${error instanceof Error ? error.message : String(error)}`);
    }
    byOptions.set(key, harness);
  }
  if (harness instanceof Error) throw harness;
  return harness;
}

function instrument(bytes: Uint8Array, ir: IrModule, options: HarnessOptions): Harness {
  const module = readModule(withoutMemoryNames(bytes), options.features | binaryen.Features.MutableGlobals);
  try {
    const b = binaryen;
    // A pass step is checked in the pre-pass module's context on both sides while the candidate's bytes are
    // the post-pass module's: a function or global the pass removed is in the context but not in the bytes.
    // The bytes run as they are: a removed function is not instrumented (nothing in them calls it); a removed
    // global would be set at entry, so such bytes are not run (binaryen aborts on a name it does not hold).
    const missingGlobal = ir.globals.find((g) => !module.getGlobal(g.name));
    if (missingGlobal) throw new Error(`the module's bytes do not hold global ${missingGlobal.name} of the context it is checked in`);
    module.setStart(0);
    module.addGlobal(FUEL, b.i32, true, module.i32.const(0));
    module.addGlobalExport(FUEL, FUEL);
    module.addGlobal(GROW_DELTA, b.i32, true, module.i32.const(0));
    const pageLimit = (ir.memory?.initial ?? 0) + GROWTH_LIMIT;
    // grow(d) becomes grow(d ≤ limit - size ? d : -1); the delta goes through a global to be read twice.
    const boundedDelta = (delta: number) =>
      module.block(null, [
        module.global.set(GROW_DELTA, delta),
        module.select(
          module.i32.le_u(module.global.get(GROW_DELTA, b.i32), module.i32.sub(module.i32.const(pageLimit), module.memory.size())),
          module.global.get(GROW_DELTA, b.i32),
          module.i32.const(-1),
        ),
      ]);
    if (ir.memory && !ir.memory.imported) module.addMemoryExport('0', MEMORY);
    const writtenChunk = ir.memory && !ir.memory.is64 ? chunkBytes(pageLimit) : undefined;
    const writes = writtenChunk ? writeRecorder(module, writtenChunk) : undefined;
    const settable = new Set(options.settable);
    for (const global of ir.globals) {
      if (global.imported) continue;
      if (!global.mutable && settable.has(global.name)) {
        const { type, init } = b.getGlobalInfo(module.getGlobal(global.name));
        module.removeGlobal(global.name);
        module.addGlobal(global.name, type, true, init);
      }
      if (global.mutable || settable.has(global.name)) module.addGlobalExport(global.name, globalExport(global.name));
    }
    const fuelCheck = (cost: number) =>
      module.block(null, [
        module.global.set(FUEL, module.i32.sub(module.global.get(FUEL, b.i32), module.i32.const(Math.min(cost, MAX_STEP_COST)))),
        module.if(module.i32.lt_s(module.global.get(FUEL, b.i32), module.i32.const(0)), module.unreachable()),
      ]);
    if (options.trace) {
      module.addFunctionImport('__atoll_probe32', PROBE_MODULE, 'i32', b.createType([b.i32, b.i32, b.i32]), b.none);
      module.addFunctionImport('__atoll_probe64', PROBE_MODULE, 'i64', b.createType([b.i32, b.i32, b.i64]), b.none);
    }
    const fields = childFields(b);
    const runnable = new Set<string>();
    let tracedLoops = 0;
    let stateful = false;
    // binaryen.js 132 names only some of these kinds; the others cannot be told apart here.
    const STATEFUL = new Set(['DataDropId', 'ElemDropId', 'TableSetId', 'TableGrowId', 'TableFillId', 'TableCopyId', 'TableInitId']
      .map((kind) => (b as unknown as Record<string, number | undefined>)[kind]).filter((id) => id !== undefined));
    for (const fn of ir.functions) {
      if (fn.imported) continue;
      const ref = module.getFunction(fn.name);
      if (!ref) continue;
      const body = b.getFunctionInfo(ref).body;
      if (!body) continue;
      const probes = fn.name === options.trace ? (loop: number) => localProbes(module, fn, loop) : undefined;
      const loops: number[] = [];
      const grows: number[] = [];
      const writing: number[] = [];
      const stack = [body];
      // Pre-order, children in evaluation order: the order in which the IR's walkers number loops.
      while (stack.length > 0) {
        const expr = stack.pop()!;
        const id = b.getExpressionId(expr);
        if (id === b.LoopId) loops.push(expr);
        else if (id === b.MemoryGrowId && !ir.memory?.is64) grows.push(expr);
        else if (WRITERS.has(id) && (id !== b.SIMDLoadStoreLaneId || edit.SIMDLoadStoreLane.isStore(expr))) writing.push(expr);
        if (STATEFUL.has(id)) stateful = true;
        stack.push(...children(b, fields, expr).reverse());
      }
      for (const grow of grows) edit.MemoryGrow.setDelta(grow, boundedDelta(edit.MemoryGrow.getDelta(grow)));
      loops.forEach((loop, i) => {
        const inner = edit.Loop.getBody(loop);
        edit.Loop.setBody(loop, module.block(null, [fuelCheck(expressionCount(fields, inner)), ...(probes ? probes(i) : []), inner]));
      });
      if (probes) tracedLoops = loops.length;
      // After the fuel checks, whose costs count the loop bodies as the module has them.
      if (writes) {
        for (const expr of writing) {
          const writer = WRITERS.get(b.getExpressionId(expr))!;
          const address = writer.get(expr);
          if (b.getExpressionType(address) === b.unreachable) continue;
          writer.set(expr, writer.range ? writes.at(address, ...writer.range(expr)) : writes.anywhere(address));
        }
      }
      edit.Function.setBody(ref, module.block(null, [fuelCheck(fn.size), body], b.getFunctionInfo(ref).results));
      if (isRunnable(fn)) {
        exportCallable(module, fn);
        runnable.add(fn.name);
      }
    }
    binaryen.setDebugInfo(false);
    const compiled = new WebAssembly.Module(module.emitBinary());
    return { module: compiled, ir, runnable, stateful, ...(writtenChunk ? { writtenChunk } : {}), ...(options.trace ? { traced: { fn: options.trace, loops: tracedLoops } } : {}) };
  } finally {
    module.dispose();
  }
}

/** The smallest power of two of at least 64 KiB that divides a memory of `pages` into WRITTEN_CHUNKS chunks or fewer. */
function chunkBytes(pages: number): number {
  let bytes = 65536;
  while (bytes * WRITTEN_CHUNKS < pages * 65536) bytes *= 2;
  return bytes;
}

/**
 * Adds the written-chunks bitmap to the module, and gives address operands that also mark it: `at` for an
 * access of `bytes` bytes at the operand plus `offset` (its first and last byte: at most two chunks; an
 * effective address past 2^32 traps before writing, so its wrapped value only marks more), `anywhere` for one
 * whose range is not read. The operand's value is produced before the access's other operands are evaluated,
 * so a store nested in those cannot change the address this one uses.
 */
function writeRecorder(module: binaryen.Module, chunk: number) {
  const b = binaryen;
  module.addGlobal(WRITE_ADDRESS, b.i32, true, module.i32.const(0));
  for (let w = 0; w < WRITTEN_WORDS; w++) {
    module.addGlobal(writtenWord(w), b.i64, true, module.i64.const(0n));
    module.addGlobalExport(writtenWord(w), writtenWord(w));
  }
  // (param $address i32): sets the bit of the chunk holding it (the last chunk for any address past the end).
  const index = () => module.local.get(1, b.i32);
  module.addFunction(MARK_WRITTEN, b.createType([b.i32]), b.none, [b.i32], module.block(null, [
    module.local.set(1, module.i32.shr_u(module.local.get(0, b.i32), module.i32.const(Math.log2(chunk)))),
    module.local.set(1, module.select(module.i32.lt_u(index(), module.i32.const(WRITTEN_CHUNKS)), index(), module.i32.const(WRITTEN_CHUNKS - 1))),
    ...Array.from({ length: WRITTEN_WORDS }, (_, w) => module.if(
      module.i32.eq(module.i32.shr_u(index(), module.i32.const(6)), module.i32.const(w)),
      module.global.set(writtenWord(w), module.i64.or(module.global.get(writtenWord(w), b.i64), module.i64.shl(module.i64.const(1n), module.i64.extend_u(index())))),
    )),
  ]));
  const address = () => module.global.get(WRITE_ADDRESS, b.i32);
  const plus = (n: number) => module.i32.add(address(), module.i32.const(n | 0));
  return {
    at: (ptr: number, offset: number, bytes: number) =>
      module.block(null, [
        module.global.set(WRITE_ADDRESS, ptr),
        module.call(MARK_WRITTEN, [plus(offset)], b.none),
        module.call(MARK_WRITTEN, [plus(offset + bytes - 1)], b.none),
        address(),
      ], b.i32),
    anywhere: (operand: number) =>
      module.block(null, [
        ...Array.from({ length: WRITTEN_WORDS }, (_, w) => module.global.set(writtenWord(w), module.i64.const(-1n))),
        operand,
      ], b.i32),
  };
}

/** The most fuel one function entry or loop iteration costs: enough to bound work, not to count it exactly. */
const MAX_STEP_COST = 1000;

/** Expressions under `root` (itself included), up to MAX_STEP_COST. */
function expressionCount(fields: Map<number, readonly string[]>, root: number): number {
  let count = 0;
  const stack = [root];
  while (stack.length > 0 && count < MAX_STEP_COST) {
    count++;
    stack.push(...children(binaryen, fields, stack.pop()!));
  }
  return count;
}

const bitsType = (t: IrType) => (t === 'f32' ? binaryen.i32 : t === 'f64' ? binaryen.i64 : typeOf(t));
const typeOf = (t: IrType) => ({ i32: binaryen.i32, i64: binaryen.i64, f32: binaryen.f32, f64: binaryen.f64 })[t as 'i32'];

/** Exports `fn` under `callExport`, through a wrapper that carries floats as raw bits when it has any. */
function exportCallable(module: binaryen.Module, fn: IrFunction): void {
  const floats = [...fn.params, ...fn.results].some((t) => t === 'f32' || t === 'f64');
  if (!floats) {
    module.addFunctionExport(fn.name, callExport(fn.name));
    return;
  }
  const args = fn.params.map((t, i) => {
    const raw = module.local.get(i, bitsType(t));
    return t === 'f32' ? module.f32.reinterpret(raw) : t === 'f64' ? module.f64.reinterpret(raw) : raw;
  });
  const result = fn.results[0];
  const call = module.call(fn.name, args, result ? typeOf(result) : binaryen.none);
  const body = result === 'f32' ? module.i32.reinterpret(call) : result === 'f64' ? module.i64.reinterpret(call) : call;
  const wrapper = `__atoll_wrapper:${fn.name}`;
  module.addFunction(wrapper, binaryen.createType(fn.params.map(bitsType)), result ? bitsType(result) : binaryen.none, [], body);
  module.addFunctionExport(wrapper, callExport(fn.name));
}

/** Calls that hand every numeric local of `fn` to the probe imports: (loop, local index, raw bits). */
function localProbes(module: binaryen.Module, fn: IrFunction, loop: number): number[] {
  const b = binaryen;
  return [...fn.params, ...fn.vars].flatMap((t, i) => {
    if (!NUMERIC.has(t)) return [];
    const raw = module.local.get(i, typeOf(t));
    const bits = t === 'f32' ? module.i32.reinterpret(raw) : t === 'f64' ? module.i64.reinterpret(raw) : raw;
    const wide = t === 'i64' || t === 'f64';
    return [module.call(wide ? '__atoll_probe64' : '__atoll_probe32', [module.i32.const(loop), module.i32.const(i), bits], b.none)];
  });
}
