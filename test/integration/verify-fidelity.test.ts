import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModuleContext } from '../../src/verify/context.js';
import { sharedInputs } from '../../src/verify/encode/query.js';
import { SideEncoder, widthOf } from '../../src/verify/encode/side.js';
import { emitAssertions } from '../../src/verify/graph/emit.js';
import { bvLit, parseBvLiteral } from '../../src/verify/graph/semantics.js';
import { bvSort, type BV, type Term } from '../../src/verify/graph/terms.js';
import { readIr } from '../../src/verify/index.js';
import { runConcrete, type Observation } from '../../src/verify/replay.js';
import { SolverPool } from '../../src/verify/solver-pool.js';
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
  const b = shared.build;
  const params = fn.params.map((t, i) => b.variable(`p${i}`, bvSort(widthOf(t))) as BV);
  const widths = [...fn.params, ...fn.vars].map(widthOf);
  const encoder = new SideEncoder('a', ctx, shared, [...params, ...fn.vars.map((t) => b.constant(0n, widthOf(t)))], widths, { kind: 'unroll', iterations: 6 });
  const r = encoder.run(fn.body!, fn.results);
  const assertions: Term[] = [b.not(r.cut)];
  const out = (name: string, t: Term) => assertions.push(b.eq(b.variable(name, t.sort), t));
  fn.params.forEach((t, i) => assertions.push(b.eq(params[i]!, b.constant(inputs.params[i]!, widthOf(t)))));
  shared.globalWidths.forEach((w, i) => assertions.push(b.eq(shared.entry.globals[i]!, b.constant(inputs.globals[i]!, w))));
  out('out_trap', r.trapped);
  r.normal.values.forEach((v, i) => out(`out_r${i}`, v));
  shared.globalWidths.forEach((_, i) => out(`out_g${i}`, b.ite(r.trapped, r.trapEnv.globals[i]!, r.normal.snap.env.globals[i]!)));
  const memory = shared.memory;
  if (memory) {
    assertions.push(b.eq(shared.entry.size!, b.constant(BigInt(ir.memory!.initial), memory.addrWidth)));
    const final = b.ite(r.trapped, r.trapEnv.mem!, r.normal.snap.env.mem!);
    for (let k = 0; k < REGION; k++) out(`out_m${k}`, b.load(final, b.constant(BigInt(k), memory.addrWidth), 1));
  }
  const emitted = emitAssertions(assertions);
  if (shared.approximations.size > 0 || emitted.text.includes('gi_')) return 'skip';
  let text = emitted.text;
  if (memory) {
    let array = `((as const (Array (_ BitVec ${memory.addrWidth}) (_ BitVec 8))) #x00)`;
    for (const [addr, byte] of inputs.bytes) array = `(store ${array} ${bvLit(addr, memory.addrWidth)} ${bvLit(BigInt(byte), 8)})`;
    text = `(declare-const mem0 (Array (_ BitVec ${memory.addrWidth}) (_ BitVec 8)))\n(assert (= mem0 ${array}))\n${text.replace(/^\(declare-const mem0 .*\)$/m, '')}`;
  }
  if (text.length > 400_000) return 'skip';
  const answer = await pool.check({ smt: `${text}(check-sat)\n`, timeoutMs: 4000 });
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
  const o = runConcrete(bytes, FEATURES, fn, ir, mutable.map((g) => g.name), mutable.map((g) => g.type), {
    params: inputs.params, globals: inputs.globals, size: ir.memory?.initial ?? 0, bytes: inputs.bytes, model: {},
  });
  return { ...o, trapped: o.trapped ? 'trap' : null, memory: o.memory ? o.memory.slice(0, REGION) : null, pages: 0, calls: [] };
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
