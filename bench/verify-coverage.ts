/**
 * The checker on whole jumps: binaryen's -Oz of each module against the module, as `atoll verify IN IN.oz`
 * checks another optimizer's output. `npm run build && npm run bench:verify [--larger] [paths…]`.
 * Prints, per module and over all of them: proved / changed overall and for functions with loops, how many
 * needed z3, the unknown reasons ranked, refutations (each one is a finding: binaryen is not wrong on these
 * modules, so a refutation is a checker bug) and median / p95 wall time per changed function (one solver
 * thread, no proof cache), with `atoll verify`'s limits: ATOLL_VERIFY_TIMEOUT_MS sets the per-query timeout
 * (default 5000), ATOLL_VERIFY_FUNCTION_TIME_MS the wall-clock time of each function's check (default
 * DEFAULT_FUNCTION_TIME_MS; 0: none).
 */
import { DEFAULT_FUNCTION_TIME_MS } from '../src/protocol/verify.js';
import { Verifier } from '../src/verify/index.js';
import { SLOW_MS, selfCheckCoverage, type CoverageFigures } from '../src/verify/self-check.js';
import { BENCH_FEATURES, LARGER_MODULES, SMALL_MODULES, readCorpusModule } from './corpus.js';

const args = process.argv.slice(2);
const larger = args.includes('--larger');
const paths = args.filter((a) => a !== '--larger');
const modules = paths.length ? paths : [...SMALL_MODULES, ...(larger ? LARGER_MODULES : [])];

const verifier = new Verifier({ timeoutMs: Number(process.env['ATOLL_VERIFY_TIMEOUT_MS'] ?? 5000) });
const functionTimeMs = Number(process.env['ATOLL_VERIFY_FUNCTION_TIME_MS'] ?? DEFAULT_FUNCTION_TIME_MS);
console.log(`time per function: ${functionTimeMs ? `${functionTimeMs} ms` : 'no limit'}`);
await verifier.warmUp();
const all: CoverageFigures[] = [];
for (const path of modules) {
  const started = performance.now();
  const c = await selfCheckCoverage(verifier, readCorpusModule(path), BENCH_FEATURES, (done, total) => process.stderr.write(`\r  ${done}/${total}`), functionTimeMs);
  all.push(c);
  const t = c.report.totals;
  console.log(`\n${path}: ${(performance.now() - started) / 1000 | 0} s`);
  console.log(`  changed ${t.changed}, proved ${t.proved} (${t.coverage} %) by ${JSON.stringify(t.provedBy)}, refuted ${t.refuted}, unknown ${t.unknown}`);
  console.log(`  with loops: proved ${c.withLoops.proved} of ${c.withLoops.changed}; needed z3: ${c.neededZ3}`);
  console.log(`  time per changed function: median ${c.medianMs} ms, p95 ${c.p95Ms} ms; solver ${c.report.timeMs.solver} ms; over ${SLOW_MS / 1000} s: ${c.slow.proved} proved, ${c.slow.notProved} not`);
  console.log(`  module check: ${c.report.module.accepted ? 'accepted' : 'not accepted'}; ${c.report.module.findings.slice(0, 5).join(' | ')}`);
  for (const [reason, n] of c.unknownReasons.slice(0, 10)) console.log(`  unknown ${n}× ${reason}`);
  const refuted = c.report.functions.filter((x) => x.verdict.status === 'refuted');
  const byRun = refuted.filter((x) => x.verdict.status === 'refuted' && x.verdict.counterexample.foundBy === 'run').length;
  console.log(`  refuted ${refuted.length}: by running ${byRun}, by the solver ${refuted.length - byRun}`);
  for (const f of refuted) console.log(`  REFUTED ${f.name}: ${JSON.stringify(f.verdict)}`);
}
await verifier.close();

const sum = (f: (c: CoverageFigures) => number) => all.reduce((n, c) => n + f(c), 0);
const changed = sum((c) => c.report.totals.changed);
const proved = sum((c) => c.report.totals.proved);
const loopsChanged = sum((c) => c.withLoops.changed);
const loopsProved = sum((c) => c.withLoops.proved);
const times = all.flatMap((c) => c.times).sort((a, b) => a - b);
const at = (q: number) => (times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))]! : 0);
const pct = (n: number, d: number) => (d ? ((100 * n) / d).toFixed(1) : '-');
console.log(`\nAll ${all.length} modules: changed ${changed}, proved ${proved} (${pct(proved, changed)} %), with loops ${loopsProved} of ${loopsChanged} (${pct(loopsProved, loopsChanged)} %), ` +
  `refuted ${sum((c) => c.report.totals.refuted)}, needed z3 ${sum((c) => c.neededZ3)} (${pct(sum((c) => c.neededZ3), changed)} %), ` +
  `median ${at(0.5)} ms, p95 ${at(0.95)} ms per changed function; over ${SLOW_MS / 1000} s: ${sum((c) => c.slow.proved)} proved, ${sum((c) => c.slow.notProved)} not`);
