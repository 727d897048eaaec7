import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../clients/cli/exit-codes.js';
import { genomeLine, optimizeSummary, verifyExitCode, verifySummary } from '../../../clients/cli/summary.js';
import type { FunctionVerdict, OptimizeReport, VerifyReport } from '../../../src/protocol/index.js';

const PASSES = 'duplicate-function-elimination remove-unused-module-elements memory-packing once-reduction ssa-nomerge dce remove-unused-names remove-unused-brs optimize-instructions pick-load-signs precompute-propagate code-pushing simplify-locals-nostructure vacuum reorder-locals merge-locals coalesce-locals local-cse simplify-locals code-folding merge-blocks rse dae-optimizing inlining-optimizing';

const unknown = (name: string, reason: 'timeout' | 'context', detail?: string): FunctionVerdict => ({
  name,
  verdict: { status: 'unknown', reason, ...(detail ? { detail } : {}) },
  cached: false,
  ms: 1,
});

function report(fields: Partial<OptimizeReport> = {}): OptimizeReport {
  return {
    input: { bytes: 4334, sha256: 'in', features: [], featureSource: 'detected', functions: 23 },
    output: { bytes: 4334, sha256: 'in' },
    objective: 'size',
    baseline: { bytes: 4310, value: 4310, ms: 1 },
    champion: { island: -1, generation: -1, genome: [], value: 4334 },
    settings: { islands: 2, generations: 4, seed: 1, topology: 'ring', strategy: 'refine', multiStart: false, verify: 'strict', deterministic: true },
    history: [],
    migrations: [],
    failures: [],
    verification: {
      functions: [],
      totals: { changed: 8, proved: 0, refuted: 0, unknown: 8, provedBy: {}, unknownBy: {}, coverage: 0 },
      module: { accepted: true, findings: [], differences: 0 },
      unmatched: { base: [], candidate: [] },
      timeMs: { total: 1, solver: 1, cached: 0 },
    },
    rejected: [
      unknown('fn10', 'timeout'),
      ...['fn1', 'fn2', 'fn3', 'fn4', 'fn5', 'fn6', 'fn7'].map((name) => unknown(name, 'context', 'goes back with fn10 (a signature change stays only with all its callers)')),
    ],
    proofTax: 24,
    verifiedStatus: 'proved',
    timeMs: { total: 70_000, ingest: 1, optimize: 1, verify: 1, emit: 1 },
    cached: false,
    ...fields,
  };
}

describe('the optimize report in text', () => {
  it('says when the output is the input, and explains what strict mode left out, by reason, with the proof tax', () => {
    const text = optimizeSummary('in.wasm', 'out.wasm', report());
    expect(text).toContain('output = input: nothing proved that made it smaller');
    expect(text).toContain('left out  steps of 8 functions went back, 24 B they would have saved (proof tax):');
    expect(text).toContain('7 proved, but it depends on changes that were not (goes back with fn10 (a signature change stays only with all its callers)): fn1, fn2, fn3, fn4, fn5, fn6, … 1 more');
    expect(text).toContain('1 unknown: timeout: fn10');
    expect(text).not.toContain('  steps     per pass');
  });

  it('prints the passes whose steps went back (all passes with --verbose), and tolerates their absence', () => {
    const pass = (name: string, reverted: number) => ({
      pass: name, runs: 1, steps: 5, proved: 5 - reverted, cached: 0, keptUnproved: 0, reverted,
      revertedBy: reverted ? { timeout: reverted } : {}, bytesLost: 12 * reverted, wholeReverts: 0,
    });
    const withSteps = report({ passSteps: [pass('dce', 1), pass('vacuum', 0)] });
    const text = optimizeSummary('in.wasm', 'out.wasm', withSteps);
    expect(text).toContain('dce: 4 of 5 proved, reverted timeout 1, 12 B lost');
    expect(text).not.toContain('vacuum');
    expect(optimizeSummary('in.wasm', 'out.wasm', withSteps, true)).toContain('vacuum: 5 of 5 proved');
  });

  it('sums up the champion genome in one line; --verbose gives all of it', () => {
    const genome = ['O2 s2 ai2 fi20 oc-1 loops:n x1 | ' + PASSES, 'O2 s2 ai2 fi20 oc-1 loops:n x1 | dce vacuum'];
    const line = genomeLine(genome);
    expect(line.length).toBeLessThanOrEqual(80);
    expect(line).toMatch(/^2 steps, 26 passes: duplicate-function-elimination .*…$/);
    expect(genomeLine(genome, 200)).toBe('2 steps, 26 passes: duplicate-function-elimination remove-unused-module-elements …(+22) → dce vacuum');
    const champion = { island: 1, generation: 3, genome, value: 4300 };
    const text = optimizeSummary('in.wasm', 'out.wasm', report({ champion, output: { bytes: 4300, sha256: 'out' } }));
    const championLines = text.split('\n').filter((l) => l.includes('champion'));
    expect(championLines).toHaveLength(1);
    expect(championLines[0]!.length).toBeLessThanOrEqual(120);
    expect(text).not.toContain('output = input');
    expect(optimizeSummary('in.wasm', 'out.wasm', report({ champion }), true)).toContain(PASSES);
  });
});

describe('atoll verify in text and exit codes', () => {
  const verifyReport = (module: VerifyReport['module'], unknownCount = 0, refuted = 0): VerifyReport => ({
    functions: [],
    totals: { changed: unknownCount + refuted, proved: 0, refuted, unknown: unknownCount, provedBy: {}, unknownBy: {}, coverage: 0 },
    module,
    unmatched: { base: [], candidate: [] },
    timeMs: { total: 1, solver: 0, cached: 0 },
  });

  it('tells modules that differ at module level (exit 5) from an incomplete check (exit 4)', () => {
    const findings = Array.from({ length: 60 }, (_, i) => `not accepted: export e${i} removed`);
    const differ = verifyReport({ accepted: false, findings, differences: 60 }, 3);
    expect(verifyExitCode(differ)).toBe(ExitCode.ModuleDiffers);
    const text = verifySummary('a.wasm', 'b.wasm', differ);
    expect(text).toContain('verdict            modules differ at module level: 60 differences not shown to preserve behaviour');
    expect(text).toContain('… 54 more findings (--verbose or --json lists them)');
    expect(text.split('\n').length).toBeLessThan(20);
    const incomplete = verifyReport({ accepted: false, findings: ['not accepted: table slot t[0]: f is not proved equal'], differences: 0 }, 1);
    expect(verifyExitCode(incomplete)).toBe(ExitCode.Incomplete);
    expect(verifyExitCode(verifyReport({ accepted: false, findings, differences: 60 }, 0, 1))).toBe(ExitCode.Refuted);
    expect(verifyExitCode(verifyReport({ accepted: true, findings: [], differences: 0 }))).toBe(ExitCode.Ok);
  });
});
