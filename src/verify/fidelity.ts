import { ModuleContext } from './context.js';
import { sharedInputs } from './encode/query.js';
import { SideEncoder, widthOf } from './encode/side.js';
import { Evaluator, MemoryValue, NotEvaluable } from './graph/evaluate.js';
import { bvSort, type BV } from './graph/terms.js';
import { runConcrete, type Observation } from './replay.js';
import { readIr } from './verifier.js';
import type { IrModule } from '../wasm/ir.js';
import { Prng } from '../util/prng.js';

/**
 * Fidelity of the value graph against V8: a function's graph — as the checker builds it, in normal form,
 * loops as loop terms — evaluated on concrete inputs (graph/evaluate.ts) must give exactly what V8 computes
 * for the same inputs: results, trap, globals, and the memory region the inputs fill. Graphs that use an
 * uninterpreted function (floats, opaque calls) have no concrete value and are counted apart. Used by the
 * fidelity test and bench.
 */

/** The memory the inputs fill and the comparison reads (pointers in generated code are masked into it). */
export const REGION = 72;

export interface Inputs { params: bigint[]; globals: bigint[]; bytes: Map<bigint, number> }

/** The function's graph evaluated on `inputs`, or 'skip' when it has no concrete value. */
export function evaluateGraph(ir: IrModule, name: string, inputs: Inputs): Observation | 'skip' {
  const ctx = new ModuleContext(ir);
  const fn = ctx.functions.get(name)!;
  const shared = sharedInputs(ctx);
  const b = shared.build;
  const params = fn.params.map((t, i) => b.variable(`p${i}`, bvSort(widthOf(t))) as BV);
  const widths = [...fn.params, ...fn.vars].map(widthOf);
  const r = new SideEncoder('a', ctx, shared, [...params, ...fn.vars.map((t) => b.constant(0n, widthOf(t)))], widths).runBody(fn);
  const memory = shared.memory;
  const values = new Map<string, bigint | MemoryValue>([
    ...params.map((p, i): [string, bigint] => [p.data as string, inputs.params[i]!]),
    ...shared.entry.globals.map((g, i): [string, bigint] => [g.data as string, inputs.globals[i]!]),
  ]);
  if (memory) {
    values.set('size0', BigInt(ir.memory!.initial));
    values.set('mem0', MemoryValue.of(inputs.bytes, memory.addrWidth));
  }
  const evaluator = new Evaluator({
    variable(name) {
      const value = values.get(name);
      if (value === undefined) throw new NotEvaluable(`input ${name}`);
      return value;
    },
    maxIterations: 10_000,
  });
  try {
    const trapped = evaluator.value(r.trapped) === true;
    const end = trapped ? r.trapEnv : r.normal.snap.env;
    const bits = (t: string, v: bigint) => (t === 'i32' || t === 'i64' ? v.toString() : `0x${v.toString(16)}`);
    const mem = new Uint8Array(REGION);
    if (memory) {
      const final = evaluator.value(end.mem!) as MemoryValue;
      for (let k = 0; k < REGION; k++) mem[k] = final.read(BigInt(k));
    }
    return {
      trapped: trapped ? 'trap' : null,
      results: trapped ? [] : fn.results.map((t, i) => bits(t, evaluator.value(r.normal.values[i]!) as bigint)),
      globals: shared.globals.map((g, i) => bits(ir.globals.find((x) => x.name === g)!.type, evaluator.value(end.globals[i]!) as bigint)),
      memory: memory ? mem : null, pages: 0, calls: [],
    };
  } catch (error) {
    if (error instanceof NotEvaluable) return 'skip';
    throw error;
  }
}

/** The function run in V8 on `inputs`. */
export function runReal(bytes: Uint8Array, features: number, ir: IrModule, name: string, inputs: Inputs): Observation {
  const fn = ir.functions.find((f) => f.name === name)!;
  const mutable = ir.globals.filter((g) => g.mutable);
  const o = runConcrete(bytes, features, fn, ir, mutable.map((g) => g.name), mutable.map((g) => g.type), {
    params: inputs.params, globals: inputs.globals, size: ir.memory?.initial ?? 0, bytes: inputs.bytes, model: {},
  });
  return { ...o, trapped: o.trapped ? 'trap' : null, memory: o.memory ? o.memory.slice(0, REGION) : null, pages: 0, calls: [] };
}

/** Parameters (edge values, small pointers, random), globals and the memory region. */
export function randomInputs(prng: Prng, ir: IrModule, name: string): Inputs {
  const fn = ir.functions.find((f) => f.name === name)!;
  const pick = (width: number): bigint => {
    const r = prng.next();
    if (r < 0.4) return BigInt(Math.floor(prng.next() * REGION));
    if (r < 0.55) return [0n, 1n, -1n, 1n << BigInt(width - 1), (1n << BigInt(width - 1)) - 1n][Math.floor(prng.next() * 5)]!;
    return BigInt.asUintN(width, (BigInt(Math.floor(prng.next() * 2 ** 32)) << 32n) | BigInt(Math.floor(prng.next() * 2 ** 32)));
  };
  const bytes = new Map<bigint, number>();
  for (let k = 0; k < REGION; k++) bytes.set(BigInt(k), Math.floor(prng.next() * 256));
  return {
    params: fn.params.map((t) => BigInt.asUintN(widthOf(t), pick(widthOf(t)))),
    globals: ir.globals.filter((g) => g.mutable).map((g) => (prng.next() < 0.5 && g.init !== undefined && g.init !== 'nan' ? BigInt(g.init) : BigInt.asUintN(widthOf(g.type), pick(widthOf(g.type))))),
    bytes,
  };
}

export const sameObservation = (a: Observation, b: Observation): boolean =>
  a.trapped === b.trapped && a.results.join() === b.results.join() && a.globals.join() === b.globals.join() &&
  (a.memory === null || Buffer.from(a.memory).equals(Buffer.from(b.memory!)));

export interface FidelityStats {
  functions: number;
  skipped: number;
  evaluations: number;
  mismatches: string[];
}

/** `perFunction` random inputs for each function of the module, graph against V8. */
export function fidelity(bytes: Uint8Array, features: number, perFunction: number, seed: number): FidelityStats {
  const ir = readIr(bytes, features);
  const prng = new Prng(seed);
  const stats: FidelityStats = { functions: 0, skipped: 0, evaluations: 0, mismatches: [] };
  for (const fn of ir.functions) {
    if (!fn.body) continue;
    let evaluable = true;
    for (let n = 0; n < perFunction && evaluable; n++) {
      const inputs = randomInputs(prng, ir, fn.name);
      let graph: Observation | 'skip';
      try {
        graph = evaluateGraph(ir, fn.name, inputs);
      } catch (e) {
        if (!/unsupported|NaN/.test((e as Error).message)) throw e;
        graph = 'skip';
      }
      if (graph === 'skip') {
        if (n === 0) evaluable = false;
        continue;
      }
      const real = runReal(bytes, features, ir, fn.name, inputs);
      stats.evaluations++;
      if (!sameObservation(graph, real)) stats.mismatches.push(`${fn.name}(${inputs.params.join(',')}): graph ${JSON.stringify({ ...graph, memory: undefined })} v8 ${JSON.stringify({ ...real, memory: undefined })}`);
    }
    if (evaluable) stats.functions++; else stats.skipped++;
  }
  return stats;
}
