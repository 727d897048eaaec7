/**
 * The seeded-miscompile campaign (design §2, guard 3) over real modules: `npm run build && node
 * dist/bench/verify-mutants.js [--solver-only] [--max-size N] [paths…]`. Each module is optimized with -Oz,
 * then every function (up to N expressions, default 400) gets one mutant per mutation kind that applies.
 * Prints per module: mutants tried, those that behave differently on some run, refuted (by running / by the
 * solver's replayed model), unknown and proved; and every differing mutant that was not refuted — each one
 * is a failure of the checker. `--solver-only` turns the checker's own runs off, to measure the solver alone.
 * Each mutant is checked with `atoll verify`'s time per function (ATOLL_VERIFY_FUNCTION_TIME_MS, default
 * DEFAULT_FUNCTION_TIME_MS; 0: none), and one that timed out again without it and with four times the
 * solver timeout.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_FUNCTION_TIME_MS } from '../src/protocol/verify.js';
import { Verifier } from '../src/verify/index.js';
import { binaryen, readModule } from '../src/wasm/binaryen.js';
import { FEATURE_FLAGS } from '../src/wasm/features.js';
import { mutantCampaign } from '../test/integration/mutant-campaign.js';

const DEFAULT = [
  'node_modules/@chainsafe/as-sha256/build/optimized.wasm',
  'node_modules/rabin-wasm/dist/rabin.wasm',
];
const features = FEATURE_FLAGS['mutable-globals'] | FEATURE_FLAGS['sign-ext'] | FEATURE_FLAGS['bulk-memory'] |
  FEATURE_FLAGS['bulk-memory-opt'] | FEATURE_FLAGS['nontrapping-fptoint'];

const args = process.argv.slice(2);
const solverOnly = args.includes('--solver-only');
const maxAt = args.indexOf('--max-size');
const maxSize = maxAt >= 0 ? Number(args[maxAt + 1]) : 400;
const paths = args.filter((a, i) => !a.startsWith('--') && (maxAt < 0 || i !== maxAt + 1));

const timeoutMs = Number(process.env['ATOLL_VERIFY_TIMEOUT_MS'] ?? 5000);
const functionTimeMs = Number(process.env['ATOLL_VERIFY_FUNCTION_TIME_MS'] ?? DEFAULT_FUNCTION_TIME_MS);
const verifier = new Verifier({ timeoutMs });
const patient = new Verifier({ timeoutMs: 4 * timeoutMs, threads: 1 });
await Promise.all([verifier.warmUp(), patient.warmUp()]);
for (const path of paths.length ? paths : DEFAULT) {
  const started = performance.now();
  const module = readModule(new Uint8Array(readFileSync(path)), features);
  binaryen.setOptimizeLevel(2);
  binaryen.setShrinkLevel(2);
  module.optimize();
  binaryen.setDebugInfo(true);
  const base = module.emitBinary();
  module.dispose();
  const result = await mutantCampaign(base, verifier, patient, {
    features, seed: 1, functions: (fn) => fn.size <= maxSize,
    verify: { ...(functionTimeMs ? { functionTimeMs } : {}), ...(solverOnly ? { runs: { before: 0, after: 0 } } : {}) },
    onMutant: (n) => process.stderr.write(`\r  ${n} mutants`),
  });
  const t = result.total;
  console.log(`\n${path}${solverOnly ? ' (solver only)' : ''}: ${Math.round((performance.now() - started) / 1000)} s`);
  console.log(`  mutants ${t.tried}, differ on a run ${t.different}; refuted ${t.refuted} (by running ${t.byRun}, by the solver ${t.bySolver}), unknown ${t.unknown}, proved ${t.proved}`);
  for (const [kind, k] of Object.entries(result.byKind)) console.log(`  ${kind}: ${k.tried} tried, ${k.different} differ, ${k.refuted} refuted, ${k.unknown} unknown, ${k.proved} proved`);
  for (const line of result.wrong) console.log(`  NOT REFUTED ${line.slice(0, 400)}`);
}
await Promise.all([verifier.close(), patient.close()]);
