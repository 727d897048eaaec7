import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModuleContext } from '../../src/verify/context.js';
import { SideEncoder, sharedInputs } from '../../src/verify/encoder.js';
import { readIr } from '../../src/verify/index.js';
import { runSide } from '../../src/verify/run/execute.js';
import { buildHarness } from '../../src/verify/run/harness.js';
import { bvLit, bvSort, parseBvLiteral } from '../../src/verify/smt.js';
import { SolverPool } from '../../src/verify/solver-pool.js';
import { widthOf } from '../../src/verify/values.js';
import type { IrModule } from '../../src/wasm/ir.js';
import { Prng } from '../../src/util/prng.js';
import { FEATURES, wat } from '../unit/verify/pair.js';
import { generatedModule } from './verify-generator.js';

/**
 * Encoder fidelity: the SMT encoding of a function, evaluated by z3 on concrete inputs, must give exactly
 * what V8 computes for the same inputs (results, trap, globals, the memory region the inputs fill).
 * Functions whose encoding uses an uninterpreted function are not evaluable this way and are counted apart.
 */

const REGION = 72;

/** What both evaluations report: raw bits as text (integers decimal, floats hex), the region's bytes. */
interface Observation { trapped: string | null; results: string[]; globals: string[]; memory: Uint8Array | null; pages: number; calls: string[] }
let pool: SolverPool;
beforeAll(async () => {
  pool = new SolverPool(1);
  await pool.warmUp();
});
afterAll(() => pool.close());

interface Inputs { params: bigint[]; globals: bigint[]; bytes: Map<bigint, number> }

async function evaluate(ir: IrModule, name: string, inputs: Inputs): Promise<Observation | 'skip'> {
  const ctx = new ModuleContext(ir);
  const fn = ctx.functions.get(name)!;
  const shared = sharedInputs(ctx);
  const s = shared.script;
  const params = fn.params.map((t, i) => s.declare(`p${i}`, bvSort(widthOf(t))));
  const widths = [...fn.params, ...fn.vars].map(widthOf);
  const encoder = new SideEncoder('a', ctx, shared, [...params, ...fn.vars.map((t) => bvLit(0n, widthOf(t)))], widths);
  encoder.unroll = 6;
  const r = encoder.run(fn.body!, fn.results);
  if (shared.approximations.size > 0 || s.text().includes('gi_')) return 'skip';
  s.assert(`(not ${r.cut})`);
  fn.params.forEach((t, i) => s.assert(`(= p${i} ${bvLit(inputs.params[i]!, widthOf(t))})`));
  shared.globalWidths.forEach((w, i) => s.assert(`(= g${i} ${bvLit(inputs.globals[i]!, w)})`));
  const memory = shared.memory;
  if (memory) {
    s.assert(`(= size0 ${bvLit(BigInt(ir.memory!.initial), memory.addrWidth)})`);
    let array = `((as const ${memory.arraySort}) #x00)`;
    for (const [addr, byte] of inputs.bytes) array = `(store ${array} ${bvLit(addr, memory.addrWidth)} ${bvLit(BigInt(byte), 8)})`;
    s.assert(`(= mem0 ${array})`);
  }
  const trapped = r.trapped;
  s.assert(`(= out_trap ${trapped})`.replace('out_trap', s.declare('out_trap', 'Bool')));
  r.normal.values.forEach((v, i) => s.assert(`(= ${s.declare(`out_r${i}`, bvSort(v.width))} ${v.term})`));
  shared.globalWidths.forEach((w, i) =>
    s.assert(`(= ${s.declare(`out_g${i}`, bvSort(w))} (ite ${trapped} ${r.trapEnv.globals[i]} ${r.normal.snap.env.globals[i]}))`));
  if (memory) {
    for (let k = 0; k < REGION; k++) {
      const final = `(ite ${trapped} ${r.trapEnv.mem} ${r.normal.snap.env.mem})`;
      s.assert(`(= ${s.declare(`out_m${k}`, '(_ BitVec 8)')} (select ${final} ${bvLit(BigInt(k), memory.addrWidth)}))`);
    }
  }
  if (s.length > 400_000) return 'skip';
  const answer = await pool.check({ smt: `${s.text()}(check-sat)\n`, timeoutMs: 4000 });
  // unsat: the run is longer than the unrolling; unknown: too slow to evaluate here. Neither is counted.
  if (answer.status !== 'sat') return 'skip';
  const m = answer.model;
  const value = (n: string) => parseBvLiteral(m[n] ?? '#x0') ?? 0n;
  const bits = (t: string, v: bigint) => (t === 'i32' || t === 'i64' ? v.toString() : `0x${v.toString(16)}`);
  const mem = new Uint8Array(REGION);
  for (let k = 0; k < REGION; k++) mem[k] = Number(value(`out_m${k}`));
  const isTrapped = m['out_trap'] === 'true';
  return {
    trapped: isTrapped ? 'trap' : null,
    results: isTrapped ? [] : fn.results.map((t, i) => bits(t, value(`out_r${i}`))),
    globals: shared.globals.map((g, i) => bits(ir.globals.find((x) => x.name === g)!.type, value(`out_g${i}`))),
    memory: memory ? mem : null, pages: 0, calls: [],
  };
}

function concrete(bytes: Uint8Array, ir: IrModule, name: string, inputs: Inputs): Observation {
  const fn = ir.functions.find((f) => f.name === name)!;
  const mutable = ir.globals.filter((g) => g.mutable);
  const harness = buildHarness(bytes, ir, { features: FEATURES, settable: mutable.map((g) => g.name) });
  const run = runSide(harness, fn, {
    params: inputs.params, globals: new Map(mutable.map((g, i) => [g.name, inputs.globals[i]!])), pages: ir.memory?.initial ?? 0,
    memory: 'zero', writes: [...inputs.bytes].map(([addr, byte]) => [Number(addr), new Uint8Array([byte])]), world: null,
  }, { shared: new Map(mutable.map((g) => [g.name, g.type])) });
  if (!run.ran) throw new Error(run.why);
  const o = run.observation;
  const text = (type: string, bits: bigint) => (type === 'i32' || type === 'i64' ? bits.toString() : `0x${bits.toString(16)}`);
  return {
    trapped: o.trap === null ? null : 'trap',
    results: o.results.map((r, i) => text(fn.results[i]!, r)),
    globals: mutable.map((g) => text(g.type, o.globals.get(g.name)!)),
    memory: o.memory ? o.memory.slice(0, REGION) : null, pages: 0, calls: [],
  };
}

function randomInputs(prng: Prng, ir: IrModule, name: string): Inputs {
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
    globals: ir.globals.filter((g) => g.mutable).map((g, i) => (prng.next() < 0.5 && g.init !== undefined ? BigInt(g.init) : BigInt.asUintN(widthOf(g.type), pick(widthOf(g.type)))) + BigInt(i) * 0n),
    bytes,
  };
}

const sameObservation = (a: Observation, b: Observation) =>
  a.trapped === b.trapped && a.results.join() === b.results.join() && a.globals.join() === b.globals.join() &&
  (a.memory === null || Buffer.from(a.memory).equals(Buffer.from(b.memory!)));

async function fidelity(bytes: Uint8Array, perFunction: number, seed: number) {
  const ir = readIr(bytes, FEATURES);
  const prng = new Prng(seed);
  const stats = { functions: 0, skipped: 0, evaluations: 0, mismatches: [] as string[] };
  for (const fn of ir.functions) {
    if (!fn.body) continue;
    let evaluable = true;
    for (let n = 0; n < perFunction && evaluable; n++) {
      const inputs = randomInputs(prng, ir, fn.name);
      const smt = await evaluate(ir, fn.name, inputs).catch((e: Error) => { if (/unsupported|loop|NaN/.test(e.message)) return 'skip' as const; throw e; });
      if (smt === 'skip') { if (n === 0) evaluable = false; continue; }
      const real = concrete(bytes, ir, fn.name, inputs);
      stats.evaluations++;
      if (!sameObservation(smt, real)) stats.mismatches.push(`${fn.name}(${inputs.params.join(',')}): smt ${JSON.stringify({ ...smt, memory: undefined })} v8 ${JSON.stringify({ ...real, memory: undefined })}`);
    }
    if (evaluable) stats.functions++; else stats.skipped++;
  }
  return stats;
}

describe('encoder fidelity against V8', () => {
  it('agrees with V8 on generated functions', async () => {
    const stats = await fidelity(wat(generatedModule(new Prng(7), 30)), 8, 1);
    console.log(`generated: ${stats.functions} functions, ${stats.evaluations} evaluations, ${stats.skipped} skipped, ${stats.mismatches.length} mismatches`);
    expect(stats.mismatches).toEqual([]);
    expect(stats.evaluations).toBeGreaterThan(200);
  });
  it.each(['node_modules/@chainsafe/as-sha256/build/optimized.wasm', 'node_modules/rabin-wasm/dist/rabin.wasm'])('agrees with V8 on the functions of %s', { timeout: 240_000 }, async (path) => {
    {
      const stats = await fidelity(new Uint8Array(readFileSync(path)), 3, 2);
      console.log(`${path}: ${stats.functions} functions evaluated, ${stats.evaluations} evaluations, ${stats.skipped} not evaluable, ${stats.mismatches.length} mismatches`);
      expect(stats.mismatches).toEqual([]);
      expect(stats.evaluations).toBeGreaterThan(0);
    }
  });
});
