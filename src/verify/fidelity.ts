import { ModuleContext } from './context.js';
import { sharedInputs } from './encode/query.js';
import { SideEncoder, widthOf } from './encode/side.js';
import { Evaluator, MemoryValue, NotEvaluable } from './graph/evaluate.js';
import { bvSort, type BV } from './graph/terms.js';
import { readIr } from './module-pair.js';
import { runSide } from './run/execute.js';
import { buildHarness } from './run/harness.js';
import type { IrFunction, IrModule } from '../wasm/ir.js';
import { Prng } from '../util/prng.js';

/**
 * Encoder fidelity (design §2, "Trusting the checker", guard 2): a function's value graph — as the checker
 * builds it, in normal form, loops as loop terms — evaluated on concrete inputs (graph/evaluate.ts) must give
 * exactly what V8 computes for the same inputs, run through the run harness: trap or not, results, globals,
 * and the memory region the inputs fill. Each function is encoded once and evaluated on many inputs. Graphs
 * that use an uninterpreted function (floats, opaque calls) have no concrete value and are counted apart.
 * That each operator's SMT meaning equals its concrete meaning is test/unit/verify/graph-semantics.test.ts.
 * Shared by the test (small) and `npm run bench:fidelity` (≥ 100 000 evaluations).
 */

export const REGION = 72;

/** What each evaluation reports: raw bits as text (integers decimal, floats hex), the region's bytes. */
interface Observation { trapped: boolean; results: string[]; globals: string[]; memory: Uint8Array | null }

interface Inputs { params: bigint[]; globals: bigint[]; bytes: Map<bigint, number> }

type Encoded = ReturnType<typeof encode>;

function encode(ir: IrModule, fn: IrFunction) {
  const ctx = new ModuleContext(ir);
  const shared = sharedInputs(ctx);
  const b = shared.build;
  const params = fn.params.map((t, i) => b.variable(`p${i}`, bvSort(widthOf(t))) as BV);
  const widths = [...fn.params, ...fn.vars].map(widthOf);
  const result = new SideEncoder('a', ctx, shared, [...params, ...fn.vars.map((t) => b.constant(0n, widthOf(t)))], widths).runBody(fn);
  return { fn, shared, params, result };
}

const bitsText = (type: string, v: bigint) => (type === 'i32' || type === 'i64' ? v.toString() : `0x${v.toString(16)}`);

function evaluate(e: Encoded, ir: IrModule, inputs: Inputs): Observation | 'skip' {
  const { fn, shared, params, result: r } = e;
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
    const mem = new Uint8Array(REGION);
    if (memory) {
      const final = evaluator.value(end.mem!) as MemoryValue;
      for (let k = 0; k < REGION; k++) mem[k] = final.read(BigInt(k));
    }
    return {
      trapped,
      results: trapped ? [] : fn.results.map((t, i) => bitsText(t, evaluator.value(r.normal.values[i]!) as bigint)),
      globals: shared.globals.map((g, i) => bitsText(ir.globals.find((x) => x.name === g)!.type, evaluator.value(end.globals[i]!) as bigint)),
      memory: memory ? mem : null,
    };
  } catch (error) {
    if (error instanceof NotEvaluable) return 'skip';
    throw error;
  }
}

function concrete(bytes: Uint8Array, ir: IrModule, fn: IrFunction, inputs: Inputs, features: number): Observation | 'skip' {
  const mutable = ir.globals.filter((g) => g.mutable);
  const harness = buildHarness(bytes, ir, { features, settable: mutable.map((g) => g.name) });
  const run = runSide(harness, fn, {
    params: inputs.params, globals: new Map(mutable.map((g, i) => [g.name, inputs.globals[i]!])), pages: ir.memory?.initial ?? 0,
    memory: 'zero', writes: [...inputs.bytes].map(([addr, byte]) => [Number(addr), new Uint8Array([byte])]), world: null,
  }, { shared: new Map(mutable.map((g) => [g.name, g.type])) });
  if (!run.ran) return 'skip';
  const o = run.observation;
  return {
    trapped: o.trap !== null,
    results: o.results.map((r, i) => bitsText(fn.results[i]!, r)),
    globals: mutable.map((g) => bitsText(g.type, o.globals.get(g.name)!)),
    memory: o.memory ? o.memory.slice(0, REGION) : null,
  };
}

function randomInputs(prng: Prng, ir: IrModule, fn: IrFunction): Inputs {
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

const same = (a: Observation, b: Observation) =>
  a.trapped === b.trapped && a.results.join() === b.results.join() && a.globals.join() === b.globals.join() &&
  (a.memory === null || Buffer.from(a.memory).equals(Buffer.from(b.memory!)));

const show = (o: Observation) => JSON.stringify({ ...o, memory: o.memory && Buffer.from(o.memory).toString('hex') });

export interface FidelityStats {
  functions: number;
  /** Functions not evaluable at all (uninterpreted functions on every input, unsupported constructs). */
  skipped: number;
  /** Inputs the graph was evaluated on and V8 ran to the end. */
  evaluations: number;
  /** Graph ≠ V8: each one is an encoder bug (or a V8 one). */
  mismatches: string[];
}

export interface FidelityOptions {
  features: number;
  perFunction: number;
  seed: number;
}

export function fidelity(bytes: Uint8Array, options: FidelityOptions): FidelityStats {
  const ir = readIr(bytes, options.features);
  const prng = new Prng(options.seed);
  const stats: FidelityStats = { functions: 0, skipped: 0, evaluations: 0, mismatches: [] };
  for (const fn of ir.functions) {
    if (!fn.body) continue;
    let encoded: Encoded;
    try {
      encoded = encode(ir, fn);
    } catch (error) {
      if (!/unsupported|NaN|loop/.test((error as Error).message)) throw error;
      stats.skipped++;
      continue;
    }
    let evaluated = 0;
    for (let n = 0; n < options.perFunction && (n > 0 || evaluated === 0); n++) {
      const inputs = randomInputs(prng, ir, fn);
      const graph = evaluate(encoded, ir, inputs);
      if (graph === 'skip') {
        if (n === 0) break;
        continue;
      }
      const real = concrete(bytes, ir, fn, inputs, options.features);
      if (real === 'skip') continue;
      evaluated++;
      if (!same(graph, real)) stats.mismatches.push(`${fn.name}(${inputs.params.join(',')}): graph ${show(graph)} v8 ${show(real)}`);
    }
    stats.evaluations += evaluated;
    if (evaluated > 0) stats.functions++;
    else stats.skipped++;
  }
  return stats;
}
