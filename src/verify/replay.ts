import { binaryen, readModule } from '../wasm/binaryen.js';
import type { IrFunction, IrModule } from '../wasm/ir.js';
import type { QueryInputs } from './encode/query.js';
import { symbolPart, widthOf } from './encode/side.js';
import { parseBvLiteral } from './graph/semantics.js';

/**
 * Counterexample replay: both functions run for real in V8 from the state the model describes. Each side is
 * its own module (its start function removed, the function, memory and mutable globals exported), imports
 * stubbed the same way on both sides (functions return zeros and log their calls; that log is the world).
 */

export interface ReplayOutcome {
  differs: boolean;
  params: string[];
  state: Record<string, string>;
  base: string;
  candidate: string;
  /** Set when the model could not be set up for real (e.g. a memory larger than V8 gives). */
  problem?: string;
}

/** Pages a replay may add to a module's memory to match a model (64 MB). */
const MAX_REPLAY_GROWTH = 1024;

const view = new DataView(new ArrayBuffer(8));

function jsValue(type: string, bits: bigint): number | bigint {
  switch (type) {
    case 'i32': return Number(BigInt.asIntN(32, bits));
    case 'i64': return BigInt.asIntN(64, bits);
    case 'f32': view.setUint32(0, Number(bits), true); return view.getFloat32(0, true);
    default: view.setBigUint64(0, bits, true); return view.getFloat64(0, true);
  }
}

function bitsOf(type: string, value: unknown): string {
  if (type === 'i64') return BigInt.asUintN(64, value as bigint).toString();
  if (type === 'i32') return String((value as number) >>> 0);
  if (type === 'f32') { view.setFloat32(0, value as number, true); return `0x${view.getUint32(0, true).toString(16)}`; }
  if (type === 'f64') { view.setFloat64(0, value as number, true); return `0x${view.getBigUint64(0, true).toString(16)}`; }
  return String(value);
}

const literalText = (type: string, bits: bigint) =>
  type === 'i32' || type === 'i64' ? `${type}.const ${BigInt.asIntN(widthOf(type), bits)}` : `${type}.const bits:0x${bits.toString(16)}`;

/** The entry state a run starts from (as a model describes it). */
export interface Setup {
  params: bigint[];
  globals: bigint[];
  size: number;
  bytes: Map<bigint, number>;
  model: Record<string, string>;
}

export interface Observation {
  trapped: string | null;
  results: string[];
  globals: string[];
  memory: Uint8Array | null;
  pages: number;
  calls: string[];
}

function instrument(bytes: Uint8Array, features: number, fn: IrFunction, ir: IrModule, mutableGlobals: string[]): Uint8Array {
  const module = readModule(bytes, features | binaryen.Features.MutableGlobals);
  try {
    (module as unknown as { setStart(ref: number): void }).setStart(0);
    module.addFunctionExport(fn.name, '__atoll_fn');
    if (ir.memory && !ir.memory.imported) module.addMemoryExport('0', '__atoll_mem');
    mutableGlobals.forEach((name, i) => {
      const global = ir.globals.find((g) => g.name === name && !g.imported);
      if (!global) return;
      // The encoder reads every global the base can write from the entry state, also on a side that made it
      // immutable (never written there): the replay must be able to set it too.
      if (!global.mutable) {
        const { type, init } = binaryen.getGlobalInfo(module.getGlobal(name));
        module.removeGlobal(name);
        module.addGlobal(name, type, true, init);
      }
      module.addGlobalExport(name, `__atoll_g${i}`);
    });
    binaryen.setDebugInfo(false);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

/** Instrumented modules by input bytes and function, so repeated runs do not re-read the module. */
const compiledModules = new WeakMap<Uint8Array, Map<string, WebAssembly.Module>>();

function compiled(bytes: Uint8Array, features: number, fn: IrFunction, ir: IrModule, mutableGlobals: string[]): WebAssembly.Module {
  let byFunction = compiledModules.get(bytes);
  if (!byFunction) compiledModules.set(bytes, (byFunction = new Map()));
  let module = byFunction.get(fn.name);
  if (!module) byFunction.set(fn.name, (module = new WebAssembly.Module(instrument(bytes, features, fn, ir, mutableGlobals))));
  return module;
}

function stubs(ir: IrModule, setup: Setup, calls: string[], memory: WebAssembly.Memory | null): WebAssembly.Imports {
  const imports: WebAssembly.Imports = {};
  const put = (module: string, base: string, value: unknown) => {
    (imports[module] ??= {})[base] = value;
  };
  for (const fn of ir.functions) {
    if (!fn.imported) continue;
    const { module, base } = fn.imported;
    put(module, base, (...args: unknown[]) => {
      calls.push(`${module}.${base}(${args.map(String).join(',')})`);
      const zeros = fn.results.map((t) => (t === 'i64' ? 0n : 0));
      return zeros.length === 1 ? zeros[0] : zeros.length === 0 ? undefined : zeros;
    });
  }
  for (const g of ir.globals) {
    if (!g.imported) continue;
    const bits = parseBvLiteral(setup.model[`gi_${symbolPart(g.name)}`] ?? '#x0') ?? 0n;
    put(g.imported.module, g.imported.base, new WebAssembly.Global({ value: g.type, mutable: g.mutable }, jsValue(g.type, bits)));
  }
  if (ir.memory?.imported && memory) put(ir.memory.imported.module, ir.memory.imported.base, memory);
  for (const t of ir.tables) {
    if (!t.imported) continue;
    put(t.imported.module, t.imported.base, new WebAssembly.Table({ element: 'anyfunc', initial: t.initial, ...(t.max !== undefined ? { maximum: t.max } : {}) }));
  }
  return imports;
}

/** Runs one function for real from `setup`, with imports stubbed (see the file comment). */
export function runConcrete(bytes: Uint8Array, features: number, fn: IrFunction, ir: IrModule, mutableGlobals: string[], globalTypes: string[], setup: Setup): Observation {
  const wasm = compiled(bytes, features, fn, ir, mutableGlobals);
  const calls: string[] = [];
  const imported = ir.memory?.imported
    ? new WebAssembly.Memory({ initial: ir.memory.initial, ...(ir.memory.max !== undefined ? { maximum: ir.memory.max } : {}) })
    : null;
  const instance = new WebAssembly.Instance(wasm, stubs(ir, setup, calls, imported));
  const memory = imported ?? (instance.exports['__atoll_mem'] as WebAssembly.Memory | undefined) ?? null;
  if (memory) {
    const pages = memory.buffer.byteLength / 65536;
    if (pages > setup.size) throw new Error(`the model's memory (${setup.size} pages) is smaller than the module's initial ${pages}`);
    if (setup.size - pages > MAX_REPLAY_GROWTH) throw new Error(`the model's memory of ${setup.size} pages is too large to replay`);
    if (setup.size > pages) memory.grow(setup.size - pages);
    const heap = new Uint8Array(memory.buffer);
    heap.fill(0);
    for (const [addr, byte] of setup.bytes) if (addr < BigInt(heap.length)) heap[Number(addr)] = byte;
  }
  mutableGlobals.forEach((_, i) => {
    const g = instance.exports[`__atoll_g${i}`] as WebAssembly.Global | undefined;
    if (g) g.value = jsValue(globalTypes[i]!, setup.globals[i]!);
  });
  const target = instance.exports['__atoll_fn'] as (...args: unknown[]) => unknown;
  let trapped: string | null = null;
  let results: string[] = [];
  try {
    const result = target(...fn.params.map((t, i) => jsValue(t, setup.params[i]!)));
    results = fn.results.length === 1 ? [bitsOf(fn.results[0]!, result)] : [];
  } catch (error) {
    if (!(error instanceof WebAssembly.RuntimeError)) throw error;
    trapped = error.message;
  }
  const globals = mutableGlobals.map((_, i) => {
    const g = instance.exports[`__atoll_g${i}`] as WebAssembly.Global | undefined;
    // A global the module no longer has (removed as unused) keeps its entry value by definition.
    return g ? bitsOf(globalTypes[i]!, g.value) : bitsOf(globalTypes[i]!, jsValue(globalTypes[i]!, setup.globals[i]!));
  });
  return {
    trapped, results, globals, calls,
    memory: memory ? new Uint8Array(memory.buffer).slice() : null,
    pages: memory ? memory.buffer.byteLength / 65536 : 0,
  };
}

function describe(o: Observation): string {
  // Which trap it was does not matter: wasm traps are one behaviour.
  if (o.trapped) return `trap; globals [${o.globals.join(', ')}]; calls [${o.calls.join('; ')}]`;
  return `results [${o.results.join(', ')}]; globals [${o.globals.join(', ')}]; pages ${o.pages}; calls [${o.calls.join('; ')}]`;
}

function firstMemoryDifference(a: Uint8Array | null, b: Uint8Array | null): string | undefined {
  if (!a || !b) return undefined;
  if (a.length !== b.length) return `memory sizes ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `memory[${i}] = ${a[i]} vs ${b[i]}`;
  return undefined;
}

function readSetup(query: QueryInputs, model: Record<string, string>): Setup {
  const value = (name: string) => parseBvLiteral(model[name] ?? '#x0') ?? 0n;
  const bytes = new Map<bigint, number>();
  for (const probe of query.probes) {
    if (model[probe.addr] === undefined) continue;
    const addr = value(probe.addr);
    probe.bytes.forEach((b, k) => bytes.set(addr + BigInt(k), Number(value(b))));
  }
  return {
    params: query.params.map(value),
    globals: query.entryGlobals.map(value),
    size: query.memory ? Number(value('size0')) : 0,
    bytes, model,
  };
}

export interface ReplaySide {
  bytes: Uint8Array;
  ir: IrModule;
  fn: IrFunction;
}

export function replay(base: ReplaySide, candidate: ReplaySide, features: number, query: QueryInputs, model: Record<string, string>): ReplayOutcome {
  const setup = readSetup(query, model);
  const params = query.paramTypes.map((t, i) => literalText(t, setup.params[i]!));
  const state: Record<string, string> = {};
  query.globals.forEach((name, i) => { state[`global ${name}`] = setup.globals[i]!.toString(); });
  if (query.memory) state['memory pages'] = String(setup.size);
  const nonZero = [...setup.bytes].filter(([, b]) => b !== 0).slice(0, 32);
  if (nonZero.length) state['memory bytes'] = nonZero.map(([a, b]) => `${a}:${b}`).join(' ');
  const globalTypes = query.globals.map((name) => base.ir.globals.find((g) => g.name === name)!.type);
  try {
    const a = runConcrete(base.bytes, features, base.fn, base.ir, query.globals, globalTypes, setup);
    const b = runConcrete(candidate.bytes, features, candidate.fn, candidate.ir, query.globals, globalTypes, setup);
    const da = describe(a);
    const db = describe(b);
    const memory = firstMemoryDifference(a.memory, b.memory);
    const differs = da !== db || (memory !== undefined && !a.trapped && !b.trapped) || (memory !== undefined && a.trapped !== null);
    return { differs, params, state, base: memory ? `${da}; ${memory}` : da, candidate: db };
  } catch (error) {
    return { differs: false, params, state, base: '', candidate: '', problem: error instanceof Error ? error.message : String(error) };
  }
}
