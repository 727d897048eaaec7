/**
 * Verifier coverage on binaryen's own -Oz of real modules: `npm run build && node dist/bench/verify-coverage.js
 * [paths…]`. Prints, per module, proved / changed overall and for functions with loops, the unknown reasons
 * ranked, refutations (each one is a finding: a real difference or an encoder bug) and median / p95 time.
 */
import { readFileSync } from 'node:fs';
import { Verifier } from '../src/verify/index.js';
import { selfCheckCoverage } from '../src/verify/self-check.js';
import { FEATURE_FLAGS } from '../src/wasm/features.js';

const DEFAULT = [
  'node_modules/@chainsafe/as-sha256/build/optimized.wasm',
  'node_modules/rabin-wasm/dist/rabin.wasm',
  'node_modules/vscode-oniguruma/release/onig.wasm',
];
const features = FEATURE_FLAGS['mutable-globals'] | FEATURE_FLAGS['sign-ext'] | FEATURE_FLAGS['bulk-memory'] |
  FEATURE_FLAGS['bulk-memory-opt'] | FEATURE_FLAGS['nontrapping-fptoint'];

const verifier = new Verifier({ timeoutMs: Number(process.env['ATOLL_VERIFY_TIMEOUT_MS'] ?? 5000) });
await verifier.warmUp();
for (const path of process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT) {
  const started = performance.now();
  const c = await selfCheckCoverage(verifier, new Uint8Array(readFileSync(path)), features, (done, total) => process.stderr.write(`\r  ${done}/${total}`));
  const t = c.report.totals;
  console.log(`\n${path}: ${(performance.now() - started) / 1000 | 0} s`);
  console.log(`  changed ${t.changed}, proved ${t.proved} (${t.coverage} %) by ${JSON.stringify(t.provedBy)}, refuted ${t.refuted}, unknown ${t.unknown}`);
  console.log(`  with loops: proved ${c.withLoops.proved} of ${c.withLoops.changed}`);
  console.log(`  time per changed function: median ${c.medianMs} ms, p95 ${c.p95Ms} ms; solver ${c.report.timeMs.solver} ms`);
  console.log(`  module check: ${c.report.module.accepted ? 'accepted' : 'not accepted'}; ${c.report.module.findings.slice(0, 5).join(' | ')}`);
  for (const [reason, n] of c.unknownReasons.slice(0, 10)) console.log(`  unknown ${n}× ${reason}`);
  const refuted = c.report.functions.filter((x) => x.verdict.status === 'refuted');
  const byRun = refuted.filter((x) => x.verdict.status === 'refuted' && x.verdict.counterexample.foundBy === 'run').length;
  console.log(`  refuted ${refuted.length}: by running ${byRun}, by the solver ${refuted.length - byRun}`);
  for (const f of refuted) console.log(`  REFUTED ${f.name}: ${JSON.stringify(f.verdict)}`);
}
await verifier.close();
