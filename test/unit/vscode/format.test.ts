import { ResponseError } from 'vscode-jsonrpc';
import { describe, expect, it } from 'vitest';
import { errorMessage, optimizeSummary, sizeChange, statusBarText, verifyDetails, verifySummary, watchResultLine } from '../../../clients/vscode/src/format.js';
import { ErrorCodes, type OptimizeReport, type VerifyReport } from '../../../src/protocol/index.js';

const verification: VerifyReport = {
  functions: [
    { name: 'add', verdict: { status: 'proved', method: 'smt' }, cached: false, ms: 4 },
    { name: 'div', verdict: { status: 'refuted', counterexample: { params: ['7', '0'], observed: { base: 'trap', candidate: '0' } } }, cached: false, ms: 9 },
    { name: 'sum', verdict: { status: 'unknown', reason: 'loop', detail: 'no coupling found' }, cached: true, ms: 0 },
  ],
  totals: { changed: 3, proved: 1, refuted: 1, unknown: 1, provedBy: { smt: 1 }, unknownBy: { loop: 1 }, coverage: 33.33 },
  module: { accepted: false, findings: ['export "f" changed'] },
  unmatched: { base: ['gone'], candidate: [] },
  timeMs: { total: 20, solver: 13, cached: 0 },
};

function report(overrides: Partial<OptimizeReport>): OptimizeReport {
  return {
    input: { bytes: 418, sha256: 'a', features: [], featureSource: 'detected', functions: 7 },
    output: { bytes: 188, sha256: 'b' },
    objective: 'size',
    baseline: null,
    champion: { island: 0, generation: 0, genome: [], value: 188 },
    settings: { islands: 2, generations: 1, seed: 1, topology: 'ring', strategy: 'refine', multiStart: false, verify: 'off', deterministic: true },
    history: [],
    migrations: [],
    failures: [],
    verifiedStatus: 'unverified',
    timeMs: { total: 2585, ingest: 1, optimize: 2500, verify: 0, emit: 2 },
    cached: false,
    ...overrides,
  };
}

describe('result formatting', () => {
  it('describes a size change both ways', () => {
    expect(sizeChange(418, 188)).toBe('418 B → 188 B (−230 B, 55.0% smaller)');
    expect(sizeChange(100, 110)).toBe('100 B → 110 B (+10 B, 10.0% larger)');
    expect(sizeChange(50_000, 50_000)).toBe('48.8 KiB, unchanged');
  });

  it('never calls an unverified output proved', () => {
    const unverified = report({});
    expect(optimizeSummary(unverified, '/w/demo.wasm', '/w/demo.opt.wasm')).toBe(
      'demo.wasm → demo.opt.wasm: 418 B → 188 B (−230 B, 55.0% smaller); unverified (verify: off); 2.6 s',
    );
    expect(statusBarText(unverified)).toBe('$(warning) atoll −230 B · unverified');
  });

  it('shows the proved share of a strict result and marks a cached one', () => {
    const strict = report({
      settings: { ...report({}).settings, verify: 'strict' },
      verification: { ...verification, totals: { ...verification.totals, changed: 4, proved: 4, refuted: 0, unknown: 0, coverage: 100 } },
      verifiedStatus: 'proved',
      cached: true,
    });
    expect(optimizeSummary(strict, '/w/demo.wasm', undefined)).toBe(
      'demo.wasm: 418 B → 188 B (−230 B, 55.0% smaller); 4/4 changed functions proved (100%, unproved changes left out); 2.6 s, from cache',
    );
    expect(statusBarText(strict)).toBe('$(check) atoll −230 B · 100% proved');
  });

  it('summarizes a verification and lists every function that was not proved', () => {
    expect(verifySummary(verification, '/w/a.wasm', '/w/a.opt.wasm')).toBe(
      'a.opt.wasm vs a.wasm: 3 changed, 1 proved, 1 refuted, 1 unknown (33% proved); module-level changes not shown to preserve behaviour',
    );
    expect(verifyDetails(verification)).toEqual([
      'refuted div with params (7, 0): base gives trap, candidate gives 0',
      'unknown sum: loop (no coupling found)',
      'only in base: gone',
      'module: export "f" changed',
    ]);
  });

  it('writes one line per watch rebuild, failed or not', () => {
    expect(watchResultLine({ watchId: 'w1', path: '/w/app.wasm', cause: 'change', stage: 'final', ms: 1200, outputPath: '/w/app.opt.wasm', report: report({}) })).toBe(
      'watch: app.wasm (change) → app.opt.wasm: 418 B → 188 B (−230 B, 55.0% smaller); unverified (verify: off); 1.2 s',
    );
    expect(watchResultLine({ watchId: 'w1', path: '/w/app.wasm', cause: 'change', stage: 'quick', ms: 90, outputPath: '/w/app.opt.wasm', report: report({}) })).toBe(
      'watch: app.wasm (change) → app.opt.wasm: 418 B → 188 B (−230 B, 55.0% smaller); unverified (verify: off) [quick: previous pipeline, full rebuild follows]; 90 ms',
    );
    expect(watchResultLine({ watchId: 'w1', path: '/w/app.wasm', cause: 'add', stage: 'final', ms: 5, error: { code: ErrorCodes.MalformedWasm, message: 'truncated at byte 12' } })).toBe(
      'watch: app.wasm (add) failed after 5 ms: truncated at byte 12',
    );
  });

  it('turns daemon errors into messages a user can act on', () => {
    expect(errorMessage(new ResponseError(ErrorCodes.FileNotFound, 'cannot read /w/x.wasm'))).toBe('cannot read /w/x.wasm');
    expect(errorMessage(new ResponseError(ErrorCodes.RequestCancelled, 'the request was cancelled'))).toBe('cancelled');
    expect(errorMessage(new ResponseError(-32097, 'Pending response rejected since connection got disposed'))).toMatch(/daemon exited while working on this request/);
    expect(errorMessage(new Error('plain'))).toBe('plain');
  });
});
