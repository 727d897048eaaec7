/**
 * The seeded-miscompile campaign (design §2, guard 3) over real modules: `npm run build && node
 * dist/bench/verify-mutants.js [--solver-only] [--max-size N] [--one-in K] [modules…]` (paths, or corpus names
 * such as `hash-wasm:blake3`). Each module is optimized with -Oz, then every function (up to N expressions,
 * default 400; with --one-in, about one function in K, chosen by a hash of its name: for large modules) gets
 * one mutant per mutation kind that applies.
 * Prints per module: mutants tried, those that behave differently on some run, refuted (by running / by the
 * solver's replayed model), unknown and proved; and every differing mutant that was not refuted — each one
 * is a failure of the checker. `--solver-only` turns the checker's own runs off, to measure the solver alone.
 * Each mutant is checked with `atoll verify`'s time per function (ATOLL_VERIFY_FUNCTION_TIME_MS, default
 * DEFAULT_FUNCTION_TIME_MS; 0: none), and one that timed out again without it and with four times the
 * solver timeout.
 */
import { DEFAULT_FUNCTION_TIME_MS } from '../src/protocol/verify.js';
import { hashText } from '../src/util/prng.js';
import { Verifier } from '../src/verify/index.js';
import { binaryen, readModule } from '../src/wasm/binaryen.js';
import { BENCH_FEATURES, readCorpusModule } from './corpus.js';
import { mutantCampaign } from '../test/integration/mutant-campaign.js';

const DEFAULT = [
  'node_modules/@chainsafe/as-sha256/build/optimized.wasm',
  'node_modules/rabin-wasm/dist/rabin.wasm',
];
const features = BENCH_FEATURES;

const args = process.argv.slice(2);
const solverOnly = args.includes('--solver-only');
const valueOf = (flag: string) => {
  const at = args.indexOf(flag);
  return at >= 0 ? Number(args[at + 1]) : undefined;
};
const maxSize = valueOf('--max-size') ?? 400;
const oneIn = valueOf('--one-in') ?? 1;
const paths = args.filter((a, i) => !a.startsWith('--') && !['--max-size', '--one-in'].includes(args[i - 1] ?? ''));


const timeoutMs = Number(process.env['ATOLL_VERIFY_TIMEOUT_MS'] ?? 5000);
const functionTimeMs = Number(process.env['ATOLL_VERIFY_FUNCTION_TIME_MS'] ?? DEFAULT_FUNCTION_TIME_MS);
const verifier = new Verifier({ timeoutMs });
const patient = new Verifier({ timeoutMs: 4 * timeoutMs, threads: 1 });
await Promise.all([verifier.warmUp(), patient.warmUp()]);
for (const path of paths.length ? paths : DEFAULT) {
  const started = performance.now();
  const module = readModule(readCorpusModule(path), features);
  binaryen.setOptimizeLevel(2);
  binaryen.setShrinkLevel(2);
  module.optimize();
  binaryen.setDebugInfo(true);
  const base = module.emitBinary();
  module.dispose();
  const result = await mutantCampaign(base, verifier, patient, {
    features, seed: 1, functions: (fn) => fn.size <= maxSize && hashText(fn.name) % oneIn === 0,
    verify: { ...(functionTimeMs ? { functionTimeMs } : {}), ...(solverOnly ? { runs: { before: 0, after: 0 } } : {}) },
    onMutant: (n) => process.stderr.write(`\r  ${n} mutants`),
  });
  const t = result.total;
  console.log(`\n${path}${solverOnly ? ' (solver only)' : ''}${oneIn > 1 ? ` (one function in ${oneIn})` : ''}: ${Math.round((performance.now() - started) / 1000)} s`);
  console.log(`  mutants ${t.tried}, differ on a run ${t.different}; refuted ${t.refuted} (by running ${t.byRun}, by the solver ${t.bySolver}), unknown ${t.unknown}, proved ${t.proved}`);
  for (const [kind, k] of Object.entries(result.byKind)) console.log(`  ${kind}: ${k.tried} tried, ${k.different} differ, ${k.refuted} refuted, ${k.unknown} unknown, ${k.proved} proved`);
  for (const line of result.wrong) console.log(`  NOT REFUTED ${line.slice(0, 400)}`);
}
await Promise.all([verifier.close(), patient.close()]);
