import type { PassStepTotals } from '../src/protocol/report.js';
import { addTotals } from '../src/workers/pipeline/totals.js';
import type { AtollMeasured } from './measure.js';

/**
 * Per pass, its (function, pass) steps summed over every module's strict run: how many were proved, why the
 * others went back, and the code bytes they would have saved. The next verifier work is chosen from this.
 */
export function renderPassSteps(runs: Array<[string, AtollMeasured]>): string {
  const sum = new Map<string, PassStepTotals>();
  const lostBy = new Map<string, Map<string, number>>();
  for (const [module, run] of runs) {
    for (const pass of run.passSteps ?? []) {
      addTotals(sum, pass);
      if (pass.bytesLost > 0) {
        const perModule = lostBy.get(pass.pass) ?? new Map<string, number>();
        perModule.set(module, (perModule.get(module) ?? 0) + pass.bytesLost);
        lostBy.set(pass.pass, perModule);
      }
    }
  }
  const rows = [...sum.values()].filter((p) => p.steps > 0).sort((a, b) => b.bytesLost - a.bytesLost || b.reverted - a.reverted || a.pass.localeCompare(b.pass));
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  const reasons = (p: PassStepTotals) => [
    ...Object.entries(p.revertedBy).sort(([, a], [, b]) => b - a).map(([why, n]) => `${why} ${n}`),
    ...(p.passByPass ? [`(span: ${p.passByPass} checked pass by pass)`] : []),
  ].join(', ') || '—';
  const modules = (pass: string) => [...(lostBy.get(pass) ?? [])].sort(([, a], [, b]) => b - a).map(([m, n]) => `${m} ${n}`).join(', ') || '—';
  return [
    '### Steps per pass (all modules, every checked run)',
    '',
    line(['pass', 'runs', 'steps', 'proved', 'from cache', 'reverted', 'reverted by', 'bytes lost', 'bytes lost by module', 'whole-step reverts', 'time s']),
    line(Array(11).fill('---')),
    ...rows.map((p) => line([p.pass, p.runs, p.steps, `${p.proved} (${((100 * p.proved) / p.steps).toFixed(1)} %)`, p.cached, p.reverted, reasons(p), p.bytesLost, modules(p.pass), p.wholeReverts, ((p.ms ?? 0) / 1000).toFixed(2)])),
    '',
  ].join('\n');
}
