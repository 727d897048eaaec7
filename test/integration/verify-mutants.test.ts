import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Verifier, readIr } from '../../src/verify/index.js';
import { runConcrete } from '../../src/verify/replay.js';
import { binaryen } from '../../src/wasm/binaryen.js';
import { childFields, children } from '../../src/wasm/walk.js';
import type { IrModule } from '../../src/wasm/ir.js';
import { Prng } from '../../src/util/prng.js';
import { widthOf } from '../../src/verify/encode/side.js';
import { FEATURES } from '../unit/verify/pair.js';
import { generatedModule } from './verify-generator.js';

/**
 * Seeded miscompiles: functions optimized by binaryen (-Oz), then mutated in binaryen's IR. A mutant that
 * behaves differently from the original on some input (found by running both in V8) must be refuted; no
 * such mutant may be proved.
 */

type Mutation = (module: binaryen.Module, expr: number, parents: number[]) => boolean;

const FLIPS: Array<[string, string]> = [
  ['AddInt32', 'SubInt32'], ['AndInt32', 'OrInt32'], ['ShlInt32', 'ShrUInt32'], ['LtSInt32', 'LtUInt32'], ['XorInt32', 'OrInt32'],
  ['AddInt64', 'SubInt64'], ['MulInt32', 'AddInt32'], ['ShrSInt32', 'ShrUInt32'], ['EqInt32', 'NeInt32'], ['GtSInt32', 'GeSInt32'],
];
const b = binaryen as unknown as Record<string, number>;
const flipOf = new Map<number, number>();
for (const [x, y] of FLIPS) { flipOf.set(b[x]!, b[y]!); flipOf.set(b[y]!, b[x]!); }
const TRAPPING = new Set(['DivSInt32', 'DivUInt32', 'RemSInt32', 'RemUInt32', 'DivUInt64', 'RemSInt64'].map((n) => b[n]!));

const MUTATIONS: Record<string, Mutation> = {
  'flip operator': (_m, e) => {
    if (binaryen.getExpressionId(e) !== binaryen.BinaryId) return false;
    const to = flipOf.get(binaryen.Binary.getOp(e));
    if (to === undefined) return false;
    binaryen.Binary.setOp(e, to);
    return true;
  },
  'change constant': (_m, e) => {
    if (binaryen.getExpressionId(e) !== binaryen.ConstId) return false;
    const type = binaryen.getExpressionType(e);
    if (type === binaryen.i32) binaryen.Const.setValueI32(e, (binaryen.Const.getValueI32(e) + 1) | 0);
    else return false;
    return true;
  },
  'swap operands': (_m, e) => {
    if (binaryen.getExpressionId(e) !== binaryen.BinaryId) return false;
    const left = binaryen.Binary.getLeft(e);
    binaryen.Binary.setLeft(e, binaryen.Binary.getRight(e));
    binaryen.Binary.setRight(e, left);
    return true;
  },
  'drop a store': (m, e, parents) => {
    const parent = parents[parents.length - 1];
    if (binaryen.getExpressionId(e) !== binaryen.StoreId || !parent || binaryen.getExpressionId(parent) !== binaryen.BlockId) return false;
    const children = binaryen.Block.getChildren(parent);
    const i = children.indexOf(e);
    if (i < 0) return false;
    binaryen.Block.setChildAt(parent, i, m.nop());
    return true;
  },
  'change load width': (_m, e) => {
    if (binaryen.getExpressionId(e) !== binaryen.LoadId) return false;
    const bytes = binaryen.Load.getBytes(e);
    if (bytes === 1) return false;
    binaryen.Load.setBytes(e, bytes / 2);
    binaryen.Load.setAlign(e, Math.min(binaryen.Load.getAlign(e), bytes / 2));
    return true;
  },
  'change offset': (_m, e) => {
    const id = binaryen.getExpressionId(e);
    if (id === binaryen.LoadId) binaryen.Load.setOffset(e, binaryen.Load.getOffset(e) + 1);
    else if (id === binaryen.StoreId) binaryen.Store.setOffset(e, binaryen.Store.getOffset(e) + 1);
    else return false;
    return true;
  },
  'delete a trap (divisor becomes 1)': (m, e) => {
    if (binaryen.getExpressionId(e) !== binaryen.BinaryId || !TRAPPING.has(binaryen.Binary.getOp(e))) return false;
    const type = binaryen.getExpressionType(e);
    binaryen.Binary.setRight(e, type === binaryen.i64 ? (m.i64.const as unknown as (v: bigint) => number)(1n) : m.i32.const(1));
    return true;
  },
  'change a branch target': (_m, e, parents) => {
    if (binaryen.getExpressionId(e) !== binaryen.BreakId || binaryen.Break.getValue(e)) return false;
    const current = binaryen.Break.getName(e);
    const other = parents.filter((p) => binaryen.getExpressionId(p) === binaryen.BlockId && binaryen.getExpressionType(p) === binaryen.none)
      .map((p) => binaryen.Block.getName(p)).find((n) => n && n !== current);
    if (!other) return false;
    binaryen.Break.setName(e, other);
    return true;
  },
};

const FIELDS = childFields(binaryen);

/** Applies `mutation` to the `nth` expression of `fnName` where it applies; false when there is none. */
function mutate(module: binaryen.Module, fnName: string, mutation: Mutation, nth: number): boolean {
  let seen = 0;
  let done = false;
  const visit = (expr: number, parents: number[]) => {
    if (done || !expr) return;
    if (FIELDS.has(binaryen.getExpressionId(expr))) for (const child of children(binaryen, FIELDS, expr)) visit(child, [...parents, expr]);
    if (done) return;
    if (seen++ === nth && mutation(module, expr, parents)) done = true;
  };
  visit(binaryen.getFunctionInfo(module.getFunction(fnName)).body, []);
  return done;
}

function emit(module: binaryen.Module): Uint8Array {
  binaryen.setDebugInfo(true);
  return module.emitBinary();
}

function behavesDifferently(base: Uint8Array, baseIr: IrModule, candidate: Uint8Array, candidateIr: IrModule, name: string, prng: Prng): boolean {
  const fa = baseIr.functions.find((f) => f.name === name)!;
  const fb = candidateIr.functions.find((f) => f.name === name)!;
  const mutable = baseIr.globals.filter((g) => g.mutable);
  for (let n = 0; n < 150; n++) {
    const rand = (w: number) => (prng.next() < 0.5 ? BigInt(Math.floor(prng.next() * 80)) : BigInt.asUintN(w, BigInt(prng.nextUint32()) * (prng.next() < 0.5 ? 1n : -1n)));
    const bytes = new Map<bigint, number>();
    for (let k = 0; k < 80; k++) bytes.set(BigInt(k), Math.floor(prng.next() * 256));
    const setup = { params: fa.params.map((t) => BigInt.asUintN(widthOf(t), rand(widthOf(t)))), globals: mutable.map((g) => rand(widthOf(g.type))), size: 1, bytes, model: {} };
    const x = runConcrete(base, FEATURES, fa, baseIr, mutable.map((g) => g.name), mutable.map((g) => g.type), setup);
    const y = runConcrete(candidate, FEATURES, fb, candidateIr, mutable.map((g) => g.name), mutable.map((g) => g.type), setup);
    const same = (x.trapped === null) === (y.trapped === null) && x.results.join() === y.results.join() && x.globals.join() === y.globals.join() &&
      Buffer.from(x.memory!).equals(Buffer.from(y.memory!));
    if (!same) return true;
  }
  return false;
}

let verifier: Verifier;
let patient: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1 });
  patient = new Verifier({ threads: 1, timeoutMs: 20_000 });
  await Promise.all([verifier.warmUp(), patient.warmUp()]);
});
afterAll(() => Promise.all([verifier.close(), patient.close()]));

describe('seeded miscompiles', () => {
  it('refutes every mutant that behaves differently and proves none of them', { timeout: 300_000 }, async () => {
    const text = generatedModule(new Prng(11), 12);
    const optimized = binaryen.parseText(text);
    optimized.setFeatures(FEATURES);
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(2);
    optimized.optimize();
    const base = emit(optimized);
    optimized.dispose();
    const baseIr = readIr(base, FEATURES);
    const prng = new Prng(5);
    const tally: Record<string, { tried: number; different: number; refuted: number; unknown: number; proved: number }> = {};
    const wrong: string[] = [];
    for (const fn of baseIr.functions) {
      for (const [kind, mutation] of Object.entries(MUTATIONS)) {
        const module = binaryen.readBinary(base);
        module.setFeatures(FEATURES);
        const nth = Math.floor(prng.next() * fn.size);
        let applied = false;
        for (let k = 0; k < fn.size && !applied; k++) applied = mutate(module, fn.name, mutation, (nth + k) % fn.size);
        if (!applied || !module.validate()) { module.dispose(); continue; }
        const candidate = emit(module);
        module.dispose();
        const candidateIr = readIr(candidate, FEATURES);
        const t = (tally[kind] ??= { tried: 0, different: 0, refuted: 0, unknown: 0, proved: 0 });
        t.tried++;
        const different = behavesDifferently(base, baseIr, candidate, candidateIr, fn.name, prng);
        const verdictOf = async (v: Verifier) => (await v.verifyModules(base, candidate, { featureFlags: FEATURES, only: [fn.name] })).functions[0]!.verdict;
        let verdict = await verdictOf(verifier);
        // A timeout on a loaded machine says nothing about the encoder: one more try with a longer timeout.
        if (verdict.status === 'unknown' && verdict.reason === 'timeout') verdict = await verdictOf(patient);
        if (verdict.status === 'proved' && verdict.method === 'identical') { t.tried--; continue; }
        if (different) t.different++;
        t[verdict.status]++;
        if (different && verdict.status !== 'refuted') wrong.push(`${kind} in ${fn.name}: ${JSON.stringify(verdict)}`);
      }
    }
    const sum = Object.values(tally).reduce((acc, t) => ({ tried: acc.tried + t.tried, different: acc.different + t.different, refuted: acc.refuted + t.refuted, unknown: acc.unknown + t.unknown, proved: acc.proved + t.proved }));
    console.log(JSON.stringify({ total: sum, byKind: tally }, null, 1));
    expect(wrong).toEqual([]);
    expect(sum.different).toBeGreaterThan(40);
  });
});
