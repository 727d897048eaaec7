import { binaryen, readModule } from '../wasm/binaryen.js';
import type { VerifyReport } from '../protocol/report.js';
import { Verifier, readIr } from './verifier.js';
import { hasLoop } from '../wasm/ir.js';

/**
 * binaryen's own -Oz checked against its input: both sides re-emitted with names, as the engine does. Used by
 * the coverage benchmark and its integration test.
 */
export function optimizeWithNames(bytes: Uint8Array, features: number): { base: Uint8Array; candidate: Uint8Array } {
  // binaryen does not write the index names it gives to unnamed functions; a trip through the text format
  // makes them explicit, so that both sides carry the same names.
  const named = readModule(bytes, features);
  const text = named.emitText();
  named.dispose();
  const emit = (optimize: boolean) => {
    const module = binaryen.parseText(text);
    module.setFeatures(features);
    try {
      if (optimize) {
        binaryen.setOptimizeLevel(2);
        binaryen.setShrinkLevel(2);
        module.optimize();
      }
      binaryen.setDebugInfo(true);
      return module.emitBinary();
    } finally {
      module.dispose();
    }
  };
  return { base: emit(false), candidate: emit(true) };
}

export interface CoverageFigures {
  report: VerifyReport;
  withLoops: { changed: number; proved: number };
  /** Changed functions whose verdict needed z3 (settled by it rather than by the graph or the bodies). */
  neededZ3: number;
  unknownReasons: Array<[string, number]>;
  medianMs: number;
  p95Ms: number;
  /** Milliseconds per changed function whose verdict was not cached. */
  times: number[];
  /** Changed functions (verdict not cached) that took longer than SLOW_MS, by whether they were proved. */
  slow: { proved: number; notProved: number };
}

/** The p95 target per changed function (issue: median ≤ 50 ms, p95 ≤ 2 s): what a shorter budget would cost. */
export const SLOW_MS = 2000;

export async function selfCheckCoverage(
  verifier: Verifier, bytes: Uint8Array, features: number, onProgress?: (done: number, total: number) => void, functionTimeMs?: number,
): Promise<CoverageFigures> {
  const { base, candidate } = optimizeWithNames(bytes, features);
  const report = await verifier.verifyModules(base, candidate, { featureFlags: features, ...(onProgress ? { onProgress } : {}), ...(functionTimeMs ? { functionTimeMs } : {}) });
  const ir = readIr(base, features);
  const loops = new Set(ir.functions.filter((f) => hasLoop(f.body)).map((f) => f.name));
  const changed = report.functions.filter((f) => !(f.verdict.status === 'proved' && f.verdict.method === 'identical'));
  const looped = changed.filter((f) => loops.has(f.name));
  const reasons = new Map<string, number>();
  for (const f of changed) {
    if (f.verdict.status !== 'unknown') continue;
    const key = `${f.verdict.reason}${f.verdict.detail ? `: ${f.verdict.detail.replace(/\d+/g, 'N').slice(0, 70)}` : ''}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  const fresh = changed.filter((f) => !f.cached);
  const times = fresh.map((f) => f.ms).sort((x, y) => x - y);
  const slow = fresh.filter((f) => f.ms > SLOW_MS);
  const at = (q: number) => (times.length ? times[Math.min(times.length - 1, Math.floor(q * times.length))]! : 0);
  return {
    report,
    withLoops: { changed: looped.length, proved: looped.filter((f) => f.verdict.status === 'proved').length },
    neededZ3: changed.filter((f) => f.settledBy === 'z3').length,
    unknownReasons: [...reasons].sort((x, y) => y[1] - x[1]),
    medianMs: at(0.5),
    p95Ms: at(0.95),
    times,
    slow: { proved: slow.filter((f) => f.verdict.status === 'proved').length, notProved: slow.filter((f) => f.verdict.status !== 'proved').length },
  };
}
