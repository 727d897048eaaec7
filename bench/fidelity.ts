/**
 * Fidelity of the value graph: `npm run build && npm run bench:fidelity [--evaluations N] [--reprove N] [modules…]`.
 *  1. Graph against V8: every function of each module, its graph (normal form, loop terms) evaluated on
 *     random inputs and the function run in V8 on the same inputs, until N evaluations (default 100 000).
 *  2. Graph proofs re-proved by z3: of the (function, pass) steps of -Oz the graph proves without loops, a
 *     random sample of N (default 200) is encoded again without any normalisation (raw terms, hash-consed
 *     only) and z3 is asked whether the two sides can differ. Every one must be unsat: a sat answer is a
 *     wrong rule or normal form.
 */
import { ModuleContext } from '../src/verify/context.js';
import { encodeFunctionPair, observables, queryFor } from '../src/verify/encode/query.js';
import { fidelity } from '../src/verify/fidelity.js';
import { Builder } from '../src/verify/graph/build.js';
import { Graph } from '../src/verify/graph/terms.js';
import { SolverPool } from '../src/verify/solver-pool.js';
import { Prng } from '../src/util/prng.js';
import { hasLoop } from '../src/wasm/ir.js';
import { BENCH_FEATURES, SMALL_MODULES, forEachStep, readCorpusModule } from './corpus.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : Number(args.splice(i, 2)[1]);
};
const target = option('--evaluations', 100_000);
const reprove = option('--reprove', 200);
const out = (line: string) => process.stdout.write(`${line}\n`);
const unknown = args.find((a) => a.startsWith('-'));
if (unknown !== undefined || !Number.isInteger(target) || target < 0 || !Number.isInteger(reprove) || reprove < 0) {
  if (unknown !== undefined && unknown !== '--help') out(`unknown option ${unknown}`);
  out('usage: npm run bench:fidelity -- [--evaluations N] [--reprove N] [modules…]');
  process.exit(unknown === '--help' ? 0 : 2);
}
const modules = args.length ? args : SMALL_MODULES;

// 1. Graph against V8, round after round over the modules until the target is met.
let evaluations = 0;
const mismatches: string[] = [];
const started = performance.now();
for (let round = 0; evaluations < target; round++) {
  const before = evaluations;
  for (const spec of modules) {
    const stats = fidelity(readCorpusModule(spec), { features: BENCH_FEATURES, perFunction: 10, seed: 1000 + round });
    evaluations += stats.evaluations;
    mismatches.push(...stats.mismatches.map((m) => `${spec}: ${m}`));
    if (round === 0) out(`${spec}: ${stats.functions} functions evaluable, ${stats.skipped} not`);
  }
  process.stderr.write(`\r  ${evaluations} evaluations`);
  if (evaluations === before) break;
}
out(`\nGraph against V8: ${evaluations} evaluations in ${Math.round((performance.now() - started) / 1000)} s, ${mismatches.length} mismatches`);
for (const m of mismatches.slice(0, 20)) out(`  MISMATCH ${m}`);

// 2. Graph proofs of -Oz steps re-proved from raw terms.
const pool = new SolverPool();
await pool.warmUp();
const prng = new Prng(7);
const proofs: Array<() => Promise<string>> = [];
for (const spec of modules) {
  await forEachStep(readCorpusModule(spec), async ({ pass, before, after }) => {
    if (hasLoop(before.fn.body) || hasLoop(after.fn.body)) return;
    const ctx = new ModuleContext(before.ir);
    const graph = encodeFunctionPair(before.fn, after.fn, ctx, ctx);
    if (observables(graph.shared, graph.a, graph.b).length > 0) return;
    proofs.push(async () => {
      const raw = encodeFunctionPair(before.fn, after.fn, ctx, ctx, { kind: 'graph' }, new Builder(new Graph(), false));
      const differs = raw.shared.build.or(...observables(raw.shared, raw.a, raw.b).map((o) => o.differs));
      const answer = await pool.check({ smt: queryFor(raw, differs).smt, workMs: 30_000 });
      return `${answer.status}${answer.status === 'sat' ? ` ${spec} ${pass} ${after.fn.name}` : ''}`;
    });
  });
}
const sample = proofs.map((p) => [prng.next(), p] as const).sort((x, y) => x[0] - y[0]).slice(0, reprove).map(([, p]) => p);
const answers = new Map<string, number>();
const wrong: string[] = [];
for (const proof of sample) {
  const answer = await proof();
  const status = answer.split(' ')[0]!;
  answers.set(status, (answers.get(status) ?? 0) + 1);
  if (status === 'sat') wrong.push(answer);
}
await pool.close();
out(`Graph proofs re-proved from raw terms: ${sample.length} of ${proofs.length} loop-free graph proofs sampled; ${[...answers].map(([k, n]) => `${k} ${n}`).join(', ')}`);
for (const w of wrong) out(`  WRONG GRAPH PROOF ${w}`);
