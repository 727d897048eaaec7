import { ModuleContext } from '../../src/verify/context.js';
import { SideEncoder, sharedInputs, type SharedInputs, type SideResult } from '../../src/verify/encoder.js';
import { readIr } from '../../src/verify/index.js';
import { runSide } from '../../src/verify/run/execute.js';
import { buildHarness } from '../../src/verify/run/harness.js';
import { bvLit, bvSort, parseBvLiteral } from '../../src/verify/smt.js';
import type { SolverPool } from '../../src/verify/solver-pool.js';
import { widthOf } from '../../src/verify/values.js';
import type { IrFunction, IrModule } from '../../src/wasm/ir.js';
import { Prng } from '../../src/util/prng.js';
import { SmtScript, Unevaluable, select, type BitVector, type Value } from './smt-evaluator.js';

/**
 * Encoder fidelity (design §2, "Trusting the checker", guard 2): the SMT encoding of a function, evaluated
 * on concrete inputs, must give exactly what V8 computes for the same inputs — trap or not, results,
 * globals, and the memory region the inputs fill. Each function is encoded once; every input is evaluated
 * by smt-evaluator.ts, and a sample also by z3, which checks the evaluator itself. Functions whose encoding
 * uses an uninterpreted function or reads an imported global are not evaluable this way and counted apart.
 * Shared by the test (small) and `npm run bench:fidelity` (≥ 100 000 evaluations).
 */

export const REGION = 72;
/** Loop iterations encoded; runs longer than that are not evaluated. */
const UNROLL = 6;

/** What each evaluation reports: raw bits as text (integers decimal, floats hex), the region's bytes. */
export interface Observation { trapped: boolean; results: string[]; globals: string[]; memory: Uint8Array | null }

interface Inputs { params: bigint[]; globals: bigint[]; bytes: Map<bigint, number> }

interface Encoded {
  fn: IrFunction;
  text: string;
  script: SmtScript;
  shared: SharedInputs;
  result: SideResult;
}

/** `name` encoded with free inputs, or why it cannot be evaluated. */
function encode(ir: IrModule, name: string): Encoded | string {
  const ctx = new ModuleContext(ir);
  const fn = ctx.functions.get(name)!;
  const shared = sharedInputs(ctx);
  const s = shared.script;
  const params = fn.params.map((t, i) => s.declare(`p${i}`, bvSort(widthOf(t))));
  const widths = [...fn.params, ...fn.vars].map(widthOf);
  const encoder = new SideEncoder('a', ctx, shared, [...params, ...fn.vars.map((t) => bvLit(0n, widthOf(t)))], widths);
  encoder.unroll = UNROLL;
  let result: SideResult;
  try {
    result = encoder.run(fn.body!, fn.results);
  } catch (error) {
    if (error instanceof Error && /unsupported|loop|NaN/.test(error.message)) return error.message;
    throw error;
  }
  const text = s.text();
  if (shared.approximations.size > 0) return `uninterpreted ${[...shared.approximations][0]}`;
  if (text.includes('gi_')) return 'reads an imported global';
  if (text.length > 2_000_000) return 'encoding too large to evaluate';
  return { fn, text, script: new SmtScript(text), shared, result };
}

const bitsText = (type: string, v: bigint) => (type === 'i32' || type === 'i64' ? v.toString() : `0x${v.toString(16)}`);

function evaluateWithEvaluator(e: Encoded, ir: IrModule, inputs: Inputs): Observation | 'skip' {
  const { shared, result: r, fn } = e;
  const env = new Map<string, Value>();
  fn.params.forEach((t, i) => env.set(`p${i}`, { kind: 'bv', width: widthOf(t), value: inputs.params[i]! }));
  shared.globalWidths.forEach((w, i) => env.set(`g${i}`, { kind: 'bv', width: w, value: inputs.globals[i]! }));
  env.set('world0', { kind: 'bv', width: 64, value: 0n });
  const memory = shared.memory;
  if (memory) {
    env.set('size0', { kind: 'bv', width: memory.addrWidth, value: BigInt(ir.memory!.initial) });
    const bytes = inputs.bytes;
    env.set('mem0', { kind: 'array', lambda: (index) => ({ kind: 'bv', width: 8, value: BigInt(bytes.get((index as BitVector).value) ?? 0) }) });
  }
  try {
    const bound = e.script.bind(env);
    const value = (term: string) => e.script.evaluate(term, bound);
    if (value(r.cut) !== false) return 'skip';
    const trapped = value(r.trapped) === true;
    const bits = (term: string) => (value(term) as BitVector).value;
    const region = (mem: string) => {
      const array = value(mem);
      return Uint8Array.from({ length: REGION }, (_, k) => Number((select(array, { kind: 'bv', width: memory!.addrWidth, value: BigInt(k) }) as BitVector).value));
    };
    return {
      trapped,
      results: trapped ? [] : r.normal.values.map((v, i) => bitsText(fn.results[i]!, bits(v.term))),
      globals: shared.globals.map((g, i) => bitsText(ir.globals.find((x) => x.name === g)!.type, bits(trapped ? r.trapEnv.globals[i]! : r.normal.snap.env.globals[i]!))),
      memory: memory ? region(trapped ? r.trapEnv.mem : r.normal.snap.env.mem) : null,
    };
  } catch (error) {
    if (error instanceof Unevaluable) return 'skip';
    throw error;
  }
}

async function evaluateWithZ3(e: Encoded, ir: IrModule, inputs: Inputs, pool: SolverPool): Promise<Observation | 'skip'> {
  const { shared, result: r, fn } = e;
  const lines = [e.text, `(assert (not ${r.cut}))`];
  fn.params.forEach((t, i) => lines.push(`(assert (= p${i} ${bvLit(inputs.params[i]!, widthOf(t))}))`));
  shared.globalWidths.forEach((w, i) => lines.push(`(assert (= g${i} ${bvLit(inputs.globals[i]!, w)}))`));
  const memory = shared.memory;
  if (memory) {
    lines.push(`(assert (= size0 ${bvLit(BigInt(ir.memory!.initial), memory.addrWidth)}))`);
    let array = `((as const ${memory.arraySort}) #x00)`;
    for (const [addr, byte] of inputs.bytes) array = `(store ${array} ${bvLit(addr, memory.addrWidth)} ${bvLit(BigInt(byte), 8)})`;
    lines.push(`(assert (= mem0 ${array}))`);
  }
  const trapped = r.trapped;
  lines.push('(declare-const out_trap Bool)', `(assert (= out_trap ${trapped}))`);
  r.normal.values.forEach((v, i) => lines.push(`(declare-const out_r${i} ${bvSort(v.width)})`, `(assert (= out_r${i} ${v.term}))`));
  shared.globalWidths.forEach((w, i) => lines.push(`(declare-const out_g${i} ${bvSort(w)})`,
    `(assert (= out_g${i} (ite ${trapped} ${r.trapEnv.globals[i]} ${r.normal.snap.env.globals[i]})))`));
  if (memory) {
    for (let k = 0; k < REGION; k++) {
      lines.push(`(declare-const out_m${k} (_ BitVec 8))`,
        `(assert (= out_m${k} (select (ite ${trapped} ${r.trapEnv.mem} ${r.normal.snap.env.mem}) ${bvLit(BigInt(k), memory.addrWidth)})))`);
    }
  }
  const answer = await pool.check({ smt: `${lines.join('\n')}\n(check-sat)\n`, timeoutMs: 4000 });
  // unsat: the run is longer than the unrolling; unknown: too slow to evaluate here. Neither is counted.
  if (answer.status !== 'sat') return 'skip';
  const m = answer.model;
  const value = (n: string) => parseBvLiteral(m[n] ?? '#x0') ?? 0n;
  const isTrapped = m['out_trap'] === 'true';
  return {
    trapped: isTrapped,
    results: isTrapped ? [] : fn.results.map((t, i) => bitsText(t, value(`out_r${i}`))),
    globals: shared.globals.map((g, i) => bitsText(ir.globals.find((x) => x.name === g)!.type, value(`out_g${i}`))),
    memory: memory ? Uint8Array.from({ length: REGION }, (_, k) => Number(value(`out_m${k}`))) : null,
  };
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
  /** Functions not evaluable (uninterpreted functions, imported globals, unsupported constructs). */
  skipped: number;
  /** Inputs evaluated by the evaluator and run in V8 (both completed). */
  evaluations: number;
  /** Of those, also evaluated by z3. */
  byZ3: number;
  /** Encoding ≠ V8: each one is an encoder bug (or a V8 one). */
  mismatches: string[];
  /** Evaluator ≠ z3 on the same encoding: each one is a bug of the evaluator. */
  evaluatorMismatches: string[];
}

export interface FidelityOptions {
  features: number;
  perFunction: number;
  seed: number;
  /** Every n-th evaluation is also evaluated by z3 (0: none). */
  z3Every: number;
  pool?: SolverPool;
}

export async function fidelity(bytes: Uint8Array, options: FidelityOptions): Promise<FidelityStats> {
  const ir = readIr(bytes, options.features);
  const prng = new Prng(options.seed);
  const stats: FidelityStats = { functions: 0, skipped: 0, evaluations: 0, byZ3: 0, mismatches: [], evaluatorMismatches: [] };
  for (const fn of ir.functions) {
    if (!fn.body) continue;
    const encoded = encode(ir, fn.name);
    if (typeof encoded === 'string') { stats.skipped++; continue; }
    stats.functions++;
    for (let n = 0; n < options.perFunction; n++) {
      const inputs = randomInputs(prng, ir, fn);
      const smt = evaluateWithEvaluator(encoded, ir, inputs);
      if (smt === 'skip') continue;
      const real = concrete(bytes, ir, fn, inputs, options.features);
      if (real === 'skip') continue;
      stats.evaluations++;
      const at = `${fn.name}(${inputs.params.join(',')})`;
      if (!same(smt, real)) stats.mismatches.push(`${at}: smt ${show(smt)} v8 ${show(real)}`);
      if (options.pool && options.z3Every > 0 && stats.evaluations % options.z3Every === 1) {
        const z3 = await evaluateWithZ3(encoded, ir, inputs, options.pool);
        if (z3 === 'skip') continue;
        stats.byZ3++;
        if (!same(z3, smt)) stats.evaluatorMismatches.push(`${at}: z3 ${show(z3)} evaluator ${show(smt)}`);
      }
    }
  }
  return stats;
}
