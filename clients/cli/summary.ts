import type { CacheStats, CacheTierStats, FunctionVerdict, OptimizeReport, StatusResult, VerifyReport } from '../../src/protocol/index.js';
import { ExitCode } from './exit-codes.js';
import { Style, styler } from './style.js';

const paint = styler(process.stdout);

/** How many names or findings a text report lists before "… N more" (--verbose lists all). */
const LIST_LIMIT = 6;

function bytes(count: number): string {
  return Math.abs(count) < 10_000 ? `${count} B` : Math.abs(count) < 10_000_000 ? `${(count / 1024).toFixed(1)} KiB` : `${(count / 1048576).toFixed(1)} MiB`;
}

function ms(value: number): string {
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

function percentChange(from: number, to: number): string {
  const change = ((to - from) / from) * 100;
  return `${change > 0 ? '+' : ''}${change.toFixed(2)}%`;
}

/** "a, b, c, … 4 more" */
function names(list: readonly string[], verbose: boolean): string {
  if (verbose || list.length <= LIST_LIMIT) return list.join(', ');
  return `${list.slice(0, LIST_LIMIT).join(', ')}, … ${list.length - LIST_LIMIT} more`;
}

function counted(entries: Partial<Record<string, number>>): string {
  return Object.entries(entries)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
}

/** The words for why a change is not in the output (or why a function was not proved). */
function reasonOf(verdict: FunctionVerdict['verdict']): string {
  if (verdict.status === 'proved') return `proved (${verdict.method})`;
  if (verdict.status === 'refuted') return 'refuted';
  return verdict.reason === 'context' ? 'proved, but it depends on changes that were not' : `unknown: ${verdict.reason}`;
}

/** Verdicts grouped by reason, largest group first: "5 unknown: timeout — fn1, fn2, …". */
function groupedByReason(verdicts: readonly FunctionVerdict[], verbose: boolean): string[] {
  const groups = new Map<string, FunctionVerdict[]>();
  for (const f of verdicts) groups.set(reasonOf(f.verdict), [...(groups.get(reasonOf(f.verdict)) ?? []), f]);
  return [...groups]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([reason, members]) => {
      const given = members.reduce((sum, f) => sum + (f.baseSize !== undefined && f.candidateSize !== undefined ? f.baseSize - f.candidateSize : 0), 0);
      const details = [...new Set(members.map((f) => (f.verdict.status === 'unknown' ? f.verdict.detail : undefined)).filter((d): d is string => !!d))];
      const why = details.length === 1 ? ` (${details[0]})` : '';
      return `${members.length} ${reason}${given > 0 ? `, ${bytes(given)}` : ''}${why}: ${names(members.map((f) => f.name), verbose)}`;
    });
}

/**
 * The champion's genome in one line: the count of steps and passes, then each step of its lineage by its
 * first passes ("2 steps, 26 passes: dce vacuum …(+22) → dce vacuum"). --verbose or --json give all of it,
 * knobs included.
 */
export function genomeLine(genome: readonly string[], width = 80): string {
  const steps = genome.filter((step) => !step.startsWith('(mosaic)'));
  const mosaic = steps.length < genome.length ? 'mosaic of proved functions from ' : '';
  const passCount = steps.reduce((n, step) => n + (step.split('|')[1] ?? '').trim().split(/\s+/).filter(Boolean).length, 0);
  const shown = steps.map((step) => {
    const list = (step.split('|')[1] ?? '').trim().split(/\s+/).filter(Boolean);
    return `${list.slice(0, 2).join(' ')}${list.length > 2 ? ` …(+${list.length - 2})` : ''}`;
  });
  const line = `${mosaic}${shown.join(' → ') || '(no passes)'}`;
  const summary = `${steps.length} step${steps.length === 1 ? '' : 's'}, ${passCount} pass${passCount === 1 ? '' : 'es'}: `;
  const full = summary + line;
  return full.length <= width ? full : `${full.slice(0, width - 1)}…`;
}

/**
 * Per-pass step counts (proof-carrying pipelines): every pass with steps that went back, or, with --verbose,
 * every pass that changed something.
 */
function passStepLines(report: OptimizeReport, verbose: boolean): string[] {
  return (report.passSteps ?? [])
    .filter((p) => p.steps > 0 && (verbose || p.reverted > 0 || p.keptUnproved > 0))
    .map((p) => {
      const reverted = p.reverted > 0 ? `, reverted ${counted(p.revertedBy)}` : '';
      const unproved = p.keptUnproved > 0 ? `, ${p.keptUnproved} kept unproved` : '';
      const lost = p.bytesLost > 0 ? `, ${bytes(p.bytesLost)} lost` : '';
      const split = p.passByPass ? `, ${p.passByPass} more checked pass by pass` : '';
      return `              ${p.pass}: ${p.proved} of ${p.steps} proved${reverted}${unproved}${lost}${split}`;
    });
}

/** What the output is and what strict mode gave up, in words; never calls an unverified output verified. */
export function verificationLine(report: OptimizeReport): string {
  if (report.settings.verify === 'off') return paint(Style.yellow, 'unverified (verification off)');
  const verification = report.verification;
  if (!verification) return paint(Style.yellow, 'unverified (the verification failed; see the log)');
  const changed = verification.functions.filter((f) => !(f.verdict.status === 'proved' && f.verdict.method === 'identical'));
  const methods = counted(verification.totals.provedBy);
  if (report.settings.verify === 'strict') {
    if (changed.length === 0) return paint(Style.green, 'proved equivalent: no function of the output differs from the input');
    return paint(Style.green, `proved equivalent: ${changed.length} changed function${changed.length === 1 ? '' : 's'} in the output, all proved (${methods})`);
  }
  const { proved, changed: total, coverage } = verification.totals;
  const status = report.verifiedStatus === 'proved' ? paint(Style.green, 'proved equivalent') : paint(Style.yellow, 'partially proved (report mode)');
  return `${status}: ${proved} of ${total} changed functions proved (${coverage.toFixed(1)}%)`;
}

export function optimizeSummary(input: string, output: string, report: OptimizeReport, verbose = false): string {
  const same = report.output.sha256 === report.input.sha256;
  const lines = [`${paint(Style.bold, input)} → ${paint(Style.bold, output)}${report.cached ? paint(Style.dim, ' (from the result cache)') : ''}`];
  if (same) {
    const why = report.settings.verify === 'strict' ? 'nothing proved that made it smaller' : 'nothing the search found made it smaller';
    lines.push(`  result    ${paint(Style.yellow, `output = input: ${why}`)}`);
  }
  lines.push(`  size      ${bytes(report.input.bytes)} → ${bytes(report.output.bytes)} (${percentChange(report.input.bytes, report.output.bytes)})`);
  if (report.baseline) {
    const ratio = report.output.bytes / report.baseline.bytes;
    lines.push(`  -Oz       ${bytes(report.baseline.bytes)}; atoll ÷ -Oz = ${ratio.toFixed(4)} (${percentChange(report.baseline.bytes, report.output.bytes)})`);
  }
  const champion = report.champion;
  if (champion.island < 0) lines.push('  champion  none: the output is the input');
  else if (verbose) lines.push(`  champion  island ${champion.island}, generation ${champion.generation}:`, ...champion.genome.map((step) => `              ${step}`));
  else lines.push(`  champion  island ${champion.island}, generation ${champion.generation}: ${genomeLine(champion.genome)}`);
  lines.push(`  verified  ${verificationLine(report)}`);
  const rejected = report.rejected ?? [];
  if (rejected.length > 0 || (report.proofTax ?? 0) > 0) {
    const tax = report.proofTax ?? 0;
    lines.push(
      `  left out  steps of ${rejected.length} function${rejected.length === 1 ? '' : 's'} went back, ${bytes(tax)} they would have saved (proof tax):`,
      ...groupedByReason(rejected, verbose).map((line) => `              ${line}`),
    );
  }
  const passSteps = passStepLines(report, verbose);
  if (passSteps.length > 0) lines.push('  steps     per pass:', ...passSteps);
  const time = report.timeMs;
  lines.push(`  time      ${ms(time.total)}: ingest ${ms(time.ingest)}, optimize ${ms(time.optimize)}, verify ${ms(time.verify)}, emit ${ms(time.emit)}`);
  const budget = report.settings.timeBudgetMs;
  if (budget !== undefined && !report.settings.deterministic) {
    lines.push(paint(Style.yellow, `  budget    the time budget (${ms(budget)}) ended the search early: another run may give other bytes`));
  }
  if (report.failures.length > 0) lines.push(paint(Style.yellow, `  ${report.failures.length} island run(s) or verification(s) failed; see --json for details`));
  return lines.join('\n');
}

/** The exit code of a verify report: refuted (3) over module-level differences (5) over incomplete (4). */
export function verifyExitCode(report: VerifyReport): ExitCode {
  if (report.totals.refuted > 0) return ExitCode.Refuted;
  if (report.module.differences > 0) return ExitCode.ModuleDiffers;
  if (report.totals.unknown > 0 || !report.module.accepted) return ExitCode.Incomplete;
  return ExitCode.Ok;
}

/** The one-line answer of `atoll verify`, matching its exit code. */
export function verifyVerdict(report: VerifyReport): string {
  const { totals, module } = report;
  switch (verifyExitCode(report)) {
    case ExitCode.Refuted:
      return paint(Style.red, `refuted: ${totals.refuted} changed function${totals.refuted === 1 ? '' : 's'} behave differently (counterexamples below)`);
    case ExitCode.ModuleDiffers:
      return paint(Style.red, `modules differ at module level: ${module.differences} difference${module.differences === 1 ? '' : 's'} not shown to preserve behaviour`);
    case ExitCode.Incomplete:
      return paint(Style.yellow, `incomplete: ${totals.unknown} of ${totals.changed} changed functions unknown${module.accepted ? '' : ', and the module check waits on them'}; nothing refuted`);
    default:
      return paint(Style.green, `equivalent: ${totals.changed === 0 ? 'no function changed' : `all ${totals.changed} changed functions proved`}, module structure accepted`);
  }
}

export function verifySummary(base: string, candidate: string, report: VerifyReport, verbose = false): string {
  const { totals } = report;
  const lines = [
    `${paint(Style.bold, candidate)} against ${paint(Style.bold, base)}`,
    `  verdict            ${verifyVerdict(report)}`,
    `  changed functions  ${totals.changed}: ${paint(Style.green, `${totals.proved} proved`)}, ${paint(totals.refuted ? Style.red : Style.dim, `${totals.refuted} refuted`)}, ${paint(totals.unknown ? Style.yellow : Style.dim, `${totals.unknown} unknown`)}${totals.changed ? ` (coverage ${totals.coverage.toFixed(1)}%)` : ''}`,
    `  module structure   ${report.module.accepted ? 'accepted' : paint(Style.yellow, 'not accepted')}`,
  ];
  const findings = report.module.findings;
  const shown = verbose ? findings : findings.slice(0, LIST_LIMIT);
  for (const finding of shown) lines.push(`    ${finding}`);
  if (shown.length < findings.length) lines.push(`    … ${findings.length - shown.length} more findings (--verbose or --json lists them)`);
  for (const fn of report.functions) {
    if (fn.verdict.status !== 'refuted') continue;
    const observed = fn.verdict.counterexample.observed;
    const difference = observed ? `: base gives ${observed.base}, candidate gives ${observed.candidate}` : '';
    lines.push(paint(Style.red, `  refuted  ${fn.name} with params (${fn.verdict.counterexample.params.join(', ')})${difference}`));
  }
  const unknown = report.functions.filter((f) => f.verdict.status === 'unknown');
  if (unknown.length > 0) lines.push(`  unknown            ${groupedByReason(unknown, verbose).join('\n                     ')}`);
  const { base: onlyBase, candidate: onlyCandidate } = report.unmatched;
  if (onlyBase.length + onlyCandidate.length > 0) {
    lines.push(`  unmatched          base ${onlyBase.length}: ${names(onlyBase, verbose) || '-'}`);
    lines.push(`                     candidate ${onlyCandidate.length}: ${names(onlyCandidate, verbose) || '-'}`);
  }
  lines.push(`  time               ${ms(report.timeMs.total)} (solver ${ms(report.timeMs.solver)}, cached ${ms(report.timeMs.cached)})`);
  return lines.join('\n');
}

function tier(name: string, stats: CacheTierStats): string {
  return `  ${name.padEnd(14)} ${String(stats.entries).padStart(7)} entries ${bytes(stats.bytes).padStart(10)}   hits ${stats.hits}, misses ${stats.misses}, corrupt ${stats.corrupt}`;
}

export function cacheSummary(stats: CacheStats): string {
  return [
    `cache ${stats.directory}`,
    tier('proofs memory', stats.proofs.memory),
    tier('proofs disk', stats.proofs.disk),
    tier('results disk', stats.results.disk),
    `  results bound ${bytes(stats.results.maxBytes)}, ${stats.results.evictions} evicted`,
  ].join('\n');
}

export function statusSummary(status: StatusResult): string {
  return [
    `atoll daemon pid ${status.pid}, up ${ms(status.uptimeMs)}, ${status.clients} client(s)`,
    `  versions  atoll ${status.versions.atoll}, binaryen ${status.versions.binaryen}, z3-solver ${status.versions.z3}`,
    `  socket    ${status.transport.socket ?? '(stdio only)'}`,
    `  pools     ${status.pools.islandThreads} island threads, ${status.pools.solverThreads} solver threads`,
    `  jobs      ${status.queue.running} running, ${status.queue.queued} queued (max ${status.queue.maxConcurrentJobs} at once); ${status.queue.completed} done, ${status.queue.failed} failed, ${status.queue.cancelled} cancelled`,
    `  memory    rss ${bytes(status.memory.rss)}, heap ${bytes(status.memory.heapUsed)} of ${bytes(status.memory.heapLimit)}`,
    `  warm-up   ${status.warmUp.jobs === 0 ? 'none' : `${status.warmUp.done} of ${status.warmUp.jobs} jobs, ${status.warmUp.state}`}`,
    cacheSummary(status.caches).replace(/^/gm, '  '),
  ].join('\n');
}
