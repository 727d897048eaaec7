/**
 * The checker on per-pass steps: `npm run build && npm run bench:steps [--timeout MS] [--larger] [modules…]`.
 * Applies binaryen's -Oz as its explicit passes (defaultPipelinePasses(2, 2)) one at a time to each module,
 * and checks every (function, pass) step whose body changed with checkPair, the pre-pass module as the context
 * of both sides (as a proof-carrying pipeline does for function passes). Reports per pass: steps, proved and
 * by what, how many needed z3 at all, unknowns by reason, refutations (each one is a finding: binaryen is not
 * wrong on these modules, so a refutation is a checker bug), and median / p95 milliseconds per step. Checks
 * run one at a time on a warm solver pool with no proof cache; times are wall-clock per checkPair call.
 */
import { checkPair, type CheckResult } from '../src/verify/checker.js';
import { ModuleContext } from '../src/verify/context.js';
import { SolverPool } from '../src/verify/solver-pool.js';
import { BENCH_FEATURES, LARGER_MODULES, SMALL_MODULES, forEachStep, readCorpusModule } from './corpus.js';

interface Step {
  module: string;
  pass: string;
  fn: string;
  result: CheckResult;
  ms: number;
}

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const timeoutMs = Number(option('--timeout') ?? 5000);
const larger = args.includes('--larger') ? (args.splice(args.indexOf('--larger'), 1), true) : false;
const modules = args.length ? args : [...SMALL_MODULES, ...(larger ? LARGER_MODULES : [])];

const pool = new SolverPool();
await pool.warmUp();
const services = { solve: pool.check.bind(pool), z3Version: await pool.z3Version() };
const steps: Step[] = [];


for (const spec of modules) {
  const started = performance.now();
  let ctx: ModuleContext | undefined;
  await forEachStep(readCorpusModule(spec), async ({ pass, before, after }) => {
    // The pre-pass module is the context of both sides, as a pipeline checks a function pass.
    if (ctx?.module !== before.ir) ctx = new ModuleContext(before.ir);
    const t = performance.now();
    const result = await checkPair(
      { fn: before.fn, ctx, bytes: () => before.bytes }, { fn: after.fn, ctx, bytes: () => after.bytes },
      services, { featureFlags: BENCH_FEATURES, timeoutMs },
    );
    const ms = performance.now() - t;
    steps.push({ module: spec, pass, fn: after.fn.name, result, ms });
    if (ms > 2000) process.stderr.write(`  slow: ${pass} ${after.fn.name} ${Math.round(ms)} ms, ${result.solverCalls} solver calls: ${JSON.stringify(result.verdict).slice(0, 160)}\n`);
  });
  const mine = steps.filter((s) => s.module === spec);
  process.stderr.write(`${spec}: ${mine.length} steps, ${Math.round((performance.now() - started) / 1000)} s\n`);
}
await pool.close();

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
};
const count = (xs: Step[], test: (s: Step) => boolean) => xs.filter(test).length;
const tally = (xs: Step[], key: (s: Step) => string | undefined) => {
  const map = new Map<string, number>();
  for (const s of xs) {
    const k = key(s);
    if (k !== undefined) map.set(k, (map.get(k) ?? 0) + 1);
  }
  return [...map].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
};

function row(label: string, xs: Step[]): string {
  const proved = count(xs, (s) => s.result.verdict.status === 'proved');
  const pct = xs.length ? ((100 * proved) / xs.length).toFixed(1) : '-';
  const z3 = count(xs, (s) => s.result.solverCalls > 0);
  const by = tally(xs, (s) => (s.result.verdict.status === 'proved' ? s.result.verdict.method : undefined));
  const unknowns = tally(xs, (s) => (s.result.verdict.status === 'unknown' ? s.result.verdict.reason : undefined));
  const refuted = count(xs, (s) => s.result.verdict.status === 'refuted');
  const ms = xs.map((s) => s.ms);
  return `| ${label} | ${xs.length} | ${proved} (${pct} %) | ${by} | ${z3} | ${unknowns || '-'} | ${refuted} | ${quantile(ms, 0.5).toFixed(1)} | ${quantile(ms, 0.95).toFixed(1)} |`;
}

const out = (line: string) => process.stdout.write(`${line}\n`);
out(`\nPer-pass steps of -Oz (explicit passes), checkPair with a ${timeoutMs} ms solver timeout, ${modules.length} modules\n`);
out('| pass | steps | proved | by | needed z3 | unknown | refuted | median ms | p95 ms |');
out('|---|---|---|---|---|---|---|---|---|');
for (const pass of [...new Set(steps.map((s) => s.pass))]) out(row(pass, steps.filter((s) => s.pass === pass)));
out(row('**all**', steps));
out('\nPer module:');
for (const spec of modules) out(row(spec, steps.filter((s) => s.module === spec)));
for (const s of steps.filter((x) => x.result.verdict.status === 'refuted')) out(`REFUTED ${s.module} ${s.pass} ${s.fn}: ${JSON.stringify(s.result.verdict)}`);
const details = steps.filter((s) => s.result.verdict.status === 'unknown').map((s) => `${s.pass} ${s.fn}: ${JSON.stringify(s.result.verdict).slice(0, 200)}`);
if (details.length) out(`\nUnknown steps:\n${details.join('\n')}`);
