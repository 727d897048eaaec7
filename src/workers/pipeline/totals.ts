// Per-pass step totals (PassStepTotals) as pipelines count them and jobs and benches sum them.
import type { PassStepTotals } from '../../protocol/report.js';

/** Adds the time since `started` to a pass's totals (ms, one decimal). */
export function addTime(totals: PassStepTotals, started: number): void {
  totals.ms = Math.round(((totals.ms ?? 0) + performance.now() - started) * 10) / 10;
}

/** Adds one run's totals of a pass into `into` (keyed by pass name). */
export function addTotals(into: Map<string, PassStepTotals>, pass: PassStepTotals): void {
  const sum = into.get(pass.pass);
  if (!sum) {
    into.set(pass.pass, { ...pass, revertedBy: { ...pass.revertedBy } });
    return;
  }
  sum.runs += pass.runs;
  sum.steps += pass.steps;
  sum.proved += pass.proved;
  sum.cached += pass.cached;
  sum.keptUnproved += pass.keptUnproved;
  sum.reverted += pass.reverted;
  sum.bytesLost += pass.bytesLost;
  sum.wholeReverts += pass.wholeReverts;
  if (pass.ms !== undefined) sum.ms = Math.round(((sum.ms ?? 0) + pass.ms) * 10) / 10;
  if (pass.passByPass) sum.passByPass = (sum.passByPass ?? 0) + pass.passByPass;
  for (const [why, n] of Object.entries(pass.revertedBy)) sum.revertedBy[why] = (sum.revertedBy[why] ?? 0) + n;
}
