import type { CacheStats, CacheTierStats, OptimizeReport, StatusResult, VerifyReport } from '../../src/protocol/index.js';
import { Style, styler } from './style.js';

const paint = styler(process.stdout);

function bytes(count: number): string {
  return count < 10_000 ? `${count} B` : count < 10_000_000 ? `${(count / 1024).toFixed(1)} KiB` : `${(count / 1048576).toFixed(1)} MiB`;
}

function ms(value: number): string {
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

function percentChange(from: number, to: number): string {
  const change = ((to - from) / from) * 100;
  return `${change > 0 ? '+' : ''}${change.toFixed(2)}%`;
}

/** The line that says what the output is; never calls an unverified output verified. */
export function verificationLine(report: OptimizeReport): string {
  if (report.settings.verify === 'off') return paint(Style.yellow, 'unverified (verification off)');
  const totals = report.verification?.totals;
  const counts = totals ? ` — ${totals.proved} of ${totals.changed} changed functions proved (${totals.coverage.toFixed(1)}%)` : '';
  switch (report.verifiedStatus) {
    case 'proved':
      return paint(Style.green, `proved equivalent${counts}`);
    case 'partially-proved':
      return paint(Style.yellow, `partially proved (${report.settings.verify} mode)${counts}`);
    case 'unverified':
      return paint(Style.yellow, `unverified${counts}`);
  }
}

export function optimizeSummary(input: string, output: string, report: OptimizeReport): string {
  const lines = [
    `${paint(Style.bold, input)} → ${paint(Style.bold, output)}${report.cached ? paint(Style.dim, ' (from the result cache)') : ''}`,
    `  size      ${bytes(report.input.bytes)} → ${bytes(report.output.bytes)} (${percentChange(report.input.bytes, report.output.bytes)})`,
  ];
  if (report.baseline) {
    const ratio = report.output.bytes / report.baseline.bytes;
    lines.push(`  -Oz       ${bytes(report.baseline.bytes)}; atoll ÷ -Oz = ${ratio.toFixed(4)} (${percentChange(report.baseline.bytes, report.output.bytes)})`);
  }
  const champion = report.champion;
  lines.push(
    champion.island < 0
      ? '  champion  none beat the input: the output is the input'
      : `  champion  island ${champion.island}, generation ${champion.generation}: ${champion.genome.join(' → ') || '(no passes)'}`,
  );
  lines.push(`  verified  ${verificationLine(report)}`);
  const time = report.timeMs;
  lines.push(`  time      ${ms(time.total)}: ingest ${ms(time.ingest)}, optimize ${ms(time.optimize)}, verify ${ms(time.verify)}, emit ${ms(time.emit)}`);
  if (report.failures.length > 0) lines.push(paint(Style.yellow, `  ${report.failures.length} island run(s) failed; see --json for details`));
  return lines.join('\n');
}

export function verifySummary(base: string, candidate: string, report: VerifyReport): string {
  const { totals } = report;
  const lines = [
    `${paint(Style.bold, candidate)} against ${paint(Style.bold, base)}`,
    `  changed functions  ${totals.changed}: ${paint(Style.green, `${totals.proved} proved`)}, ${paint(totals.refuted ? Style.red : Style.dim, `${totals.refuted} refuted`)}, ${paint(totals.unknown ? Style.yellow : Style.dim, `${totals.unknown} unknown`)} (coverage ${totals.coverage.toFixed(1)}%)`,
    `  module structure   ${report.module.accepted ? 'accepted' : paint(Style.yellow, 'not accepted')}`,
  ];
  for (const finding of report.module.findings) lines.push(`    ${finding}`);
  for (const fn of report.functions) {
    if (fn.verdict.status === 'refuted') {
      lines.push(paint(Style.red, `  refuted  ${fn.name}: params (${fn.verdict.counterexample.params.join(', ')})`));
    } else if (fn.verdict.status === 'unknown') {
      lines.push(paint(Style.yellow, `  unknown  ${fn.name}: ${fn.verdict.reason}${fn.verdict.detail ? ` (${fn.verdict.detail})` : ''}`));
    }
  }
  if (report.unmatched.base.length + report.unmatched.candidate.length > 0) {
    lines.push(`  unmatched          base: ${report.unmatched.base.join(', ') || '-'}; candidate: ${report.unmatched.candidate.join(', ') || '-'}`);
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
    cacheSummary(status.caches).replace(/^/gm, '  '),
  ].join('\n');
}
