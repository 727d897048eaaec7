import type { Verdict } from '../../src/protocol/report.js';
import { Prng } from '../../src/util/prng.js';
import { PairRuns } from '../../src/verify/run/runs.js';
import { readIr, type Verifier, type VerifyModulesOptions } from '../../src/verify/index.js';
import { binaryen, readModule } from '../../src/wasm/binaryen.js';
import type { IrFunction } from '../../src/wasm/ir.js';
import { nameEveryFunctionAndGlobal } from '../../src/wasm/names.js';
import { childFields, children } from '../../src/wasm/walk.js';

/**
 * Seeded miscompiles (design §2, "Trusting the checker", guard 3): functions of an optimized module mutated
 * in binaryen's IR — an operator flipped, a constant changed, operands swapped, a store dropped, a load
 * narrowed, an offset moved, a trap deleted, a branch retargeted. A mutant that behaves differently from the
 * original on some run (an oracle of its own: 150 entry states of a stream the checker never draws from) must
 * be refuted, never proved (a mutant no run tells apart may be an equivalent one, and may be proved). Shared by the test (small) and the bench (the big campaign).
 */

type ExpressionRef = number;
type Mutation = (module: binaryen.Module, expr: ExpressionRef, parents: ExpressionRef[]) => boolean;

/** binaryen.js's expression accessors, present at run time but missing from its typings. */
interface Accessors {
  Binary: { getOp(e: number): number; setOp(e: number, op: number): void; getLeft(e: number): number; setLeft(e: number, x: number): void; getRight(e: number): number; setRight(e: number, x: number): void };
  Const: { getValueI32(e: number): number; setValueI32(e: number, v: number): void };
  Block: { getChildren(e: number): number[]; setChildAt(e: number, i: number, x: number): void; getName(e: number): string | null };
  Load: { getBytes(e: number): number; setBytes(e: number, n: number): void; getAlign(e: number): number; setAlign(e: number, n: number): void; getOffset(e: number): number; setOffset(e: number, n: number): void };
  Store: { getOffset(e: number): number; setOffset(e: number, n: number): void };
  Break: { getValue(e: number): number; getName(e: number): string; setName(e: number, n: string): void };
}
const api = binaryen as unknown as Accessors & Record<string, number>;

const FLIPS: Array<[string, string]> = [
  ['AddInt32', 'SubInt32'], ['AndInt32', 'OrInt32'], ['ShlInt32', 'ShrUInt32'], ['LtSInt32', 'LtUInt32'], ['XorInt32', 'OrInt32'],
  ['AddInt64', 'SubInt64'], ['MulInt32', 'AddInt32'], ['ShrSInt32', 'ShrUInt32'], ['EqInt32', 'NeInt32'], ['GtSInt32', 'GeSInt32'],
  ['AddFloat32', 'SubFloat32'], ['MulFloat64', 'AddFloat64'], ['MinFloat32', 'MaxFloat32'], ['LtFloat64', 'LeFloat64'],
];
const flipOf = new Map<number, number>();
for (const [x, y] of FLIPS) { flipOf.set(api[x]!, api[y]!); flipOf.set(api[y]!, api[x]!); }
const TRAPPING = new Set(['DivSInt32', 'DivUInt32', 'RemSInt32', 'RemUInt32', 'DivUInt64', 'RemSInt64'].map((n) => api[n]!));

export const MUTATIONS: Record<string, Mutation> = {
  'flip operator': (_m, e) => {
    if (binaryen.getExpressionId(e) !== binaryen.BinaryId) return false;
    const to = flipOf.get(api.Binary.getOp(e));
    if (to === undefined) return false;
    api.Binary.setOp(e, to);
    return true;
  },
  'change constant': (_m, e) => {
    if (binaryen.getExpressionId(e) !== binaryen.ConstId || binaryen.getExpressionType(e) !== binaryen.i32) return false;
    api.Const.setValueI32(e, (api.Const.getValueI32(e) + 1) | 0);
    return true;
  },
  'swap operands': (_m, e) => {
    if (binaryen.getExpressionId(e) !== binaryen.BinaryId) return false;
    const left = api.Binary.getLeft(e);
    api.Binary.setLeft(e, api.Binary.getRight(e));
    api.Binary.setRight(e, left);
    return true;
  },
  'drop a store': (m, e, parents) => {
    const parent = parents[parents.length - 1];
    if (binaryen.getExpressionId(e) !== binaryen.StoreId || !parent || binaryen.getExpressionId(parent) !== binaryen.BlockId) return false;
    const i = api.Block.getChildren(parent).indexOf(e);
    if (i < 0) return false;
    api.Block.setChildAt(parent, i, m.nop());
    return true;
  },
  'change load width': (_m, e) => {
    if (binaryen.getExpressionId(e) !== binaryen.LoadId) return false;
    const bytes = api.Load.getBytes(e);
    if (bytes === 1 || binaryen.getExpressionType(e) === binaryen.f32 || binaryen.getExpressionType(e) === binaryen.f64) return false;
    api.Load.setBytes(e, bytes / 2);
    api.Load.setAlign(e, Math.min(api.Load.getAlign(e), bytes / 2));
    return true;
  },
  'change offset': (_m, e) => {
    const id = binaryen.getExpressionId(e);
    if (id === binaryen.LoadId) api.Load.setOffset(e, api.Load.getOffset(e) + 1);
    else if (id === binaryen.StoreId) api.Store.setOffset(e, api.Store.getOffset(e) + 1);
    else return false;
    return true;
  },
  'delete a trap (divisor becomes 1)': (m, e) => {
    if (binaryen.getExpressionId(e) !== binaryen.BinaryId || !TRAPPING.has(api.Binary.getOp(e))) return false;
    const type = binaryen.getExpressionType(e);
    api.Binary.setRight(e, type === binaryen.i64 ? (m.i64.const as unknown as (v: bigint) => number)(1n) : m.i32.const(1));
    return true;
  },
  'change a branch target': (_m, e, parents) => {
    if (binaryen.getExpressionId(e) !== binaryen.BreakId || api.Break.getValue(e)) return false;
    const current = api.Break.getName(e);
    const other = parents.filter((p) => binaryen.getExpressionId(p) === binaryen.BlockId && binaryen.getExpressionType(p) === binaryen.none)
      .map((p) => api.Block.getName(p)).find((n) => n && n !== current);
    if (!other) return false;
    api.Break.setName(e, other);
    return true;
  },
};

const FIELDS = childFields(binaryen);

/** Applies `mutation` to the `nth` expression (post-order) of `fnName` where it applies; false when it does not. */
function mutate(module: binaryen.Module, fnName: string, mutation: Mutation, nth: number): boolean {
  let seen = 0;
  let done = false;
  const visit = (expr: ExpressionRef, parents: ExpressionRef[]) => {
    if (done || !expr) return;
    for (const child of children(binaryen, FIELDS, expr)) visit(child, [...parents, expr]);
    if (done) return;
    if (seen++ === nth && mutation(module, expr, parents)) done = true;
  };
  visit(binaryen.getFunctionInfo(module.getFunction(fnName)).body, []);
  return done;
}

export interface KindTally { tried: number; different: number; refuted: number; byRun: number; bySolver: number; unknown: number; proved: number }

export interface CampaignResult {
  total: KindTally;
  byKind: Record<string, KindTally>;
  /** Mutants that behave differently and were not refuted: each is a failure. */
  wrong: string[];
}

export interface CampaignOptions {
  features: number;
  seed: number;
  /** The functions to mutate (default all with a body). */
  functions?: (fn: IrFunction) => boolean;
  /** Verify options for each mutant (e.g. runs off, to measure the solver alone). */
  verify?: Partial<VerifyModulesOptions>;
  onMutant?: (done: number) => void;
}

const emptyTally = (): KindTally => ({ tried: 0, different: 0, refuted: 0, byRun: 0, bySolver: 0, unknown: 0, proved: 0 });

/**
 * One mutant per function and mutation kind where it applies, each verified against `base` (an optimized
 * module). `patient` is asked again when `verifier` timed out (a loaded machine says nothing about
 * the encoder).
 */
export async function mutantCampaign(optimized: Uint8Array, verifier: Verifier, patient: Verifier, options: CampaignOptions): Promise<CampaignResult> {
  // Named as the engine names its input, so that functions pair by name (not by a checked guess).
  const base = nameEveryFunctionAndGlobal(optimized);
  const baseIr = readIr(base, options.features);
  const prng = new Prng(options.seed);
  const byKind: Record<string, KindTally> = {};
  const wrong: string[] = [];
  let done = 0;
  for (const fn of baseIr.functions) {
    if (!fn.body || (options.functions && !options.functions(fn))) continue;
    for (const [kind, mutation] of Object.entries(MUTATIONS)) {
      const module = readModule(base, options.features);
      const nth = Math.floor(prng.next() * fn.size);
      let applied = false;
      for (let k = 0; k < fn.size && !applied; k++) applied = mutate(module, fn.name, mutation, (nth + k) % fn.size);
      if (!applied || !module.validate()) { module.dispose(); continue; }
      binaryen.setDebugInfo(true);
      const candidate = module.emitBinary();
      module.dispose();
      const candidateIr = readIr(candidate, options.features);
      const side = (bytes: Uint8Array, ir: typeof baseIr) => ({ fn: ir.functions.find((f) => f.name === fn.name)!, ir, bytes });
      const oracle = PairRuns.create(side(base, baseIr), side(candidate, candidateIr), options.features);
      const different = typeof oracle !== 'string' && oracle.refute(150, 7, { ran: 0, inconclusive: 0 }) !== undefined;
      const verdictOf = async (v: Verifier) =>
        (await v.verifyModules(base, candidate, { featureFlags: options.features, only: [fn.name], ...options.verify })).functions[0]!.verdict;
      let verdict: Verdict = await verdictOf(verifier);
      if (verdict.status === 'unknown' && verdict.reason === 'timeout') verdict = await verdictOf(patient);
      onMutant();
      if (verdict.status === 'proved' && verdict.method === 'identical') continue;
      const t = (byKind[kind] ??= emptyTally());
      t.tried++;
      if (different) t.different++;
      t[verdict.status]++;
      if (verdict.status === 'refuted') t[verdict.counterexample.foundBy === 'run' ? 'byRun' : 'bySolver']++;
      if (different && verdict.status !== 'refuted') wrong.push(`${kind} in ${fn.name}: ${JSON.stringify(verdict)}`);
    }
  }
  function onMutant() {
    options.onMutant?.(++done);
  }
  const total = emptyTally();
  for (const t of Object.values(byKind)) for (const key of Object.keys(total) as Array<keyof KindTally>) total[key] += t[key];
  return { total, byKind, wrong };
}
