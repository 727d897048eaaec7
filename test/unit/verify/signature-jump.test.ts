import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../../src/protocol/report.js';
import { checkPair } from '../../../src/verify/checker.js';
import { ModuleContext } from '../../../src/verify/context.js';
import { Verifier, readIr } from '../../../src/verify/index.js';
import { SolverPool } from '../../../src/verify/solver-pool.js';
import { binaryen } from '../../../src/wasm/binaryen.js';
import { withoutNameSection } from '../../../src/wasm/names.js';
import { FEATURES, wat } from './pair.js';

/**
 * `atoll verify` of whole jumps that change the signature of internal functions (module-pair.ts applies the
 * signature rule of the pass steps): the module pairs of test/fixtures/signature-jumps, each with what its
 * report must say (see the README there).
 */
const DIR = new URL('../../fixtures/signature-jumps/', import.meta.url);

let verifier: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1 });
  await verifier.warmUp();
});
afterAll(() => verifier.close());

/** binaryen's own dead-argument elimination of `text`, emitted with names. */
function deadArgumentsEliminated(text: string): Uint8Array {
  const module = binaryen.parseText(text);
  try {
    module.setFeatures(FEATURES);
    module.runPasses(['dae-optimizing']);
    binaryen.setDebugInfo(true);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

function moduleVerdict(report: VerifyReport): string {
  if (report.module.accepted) return 'accepted';
  return report.module.differences > 0 ? 'differs' : 'undecided';
}

describe('whole jumps that change signatures', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.wat')).sort()) {
    const text = readFileSync(new URL(file, DIR), 'utf8');
    const expected = new Map((/^;; expect: (.+)$/m.exec(text)?.[1] ?? '').trim().split(/\s+/).map((pair) => pair.split('=') as [string, string]));
    it(`${file}: ${[...expected].map(([k, v]) => `${k} ${v}`).join(', ')}`, async () => {
      const [base, candidate] = text.split(/^;; candidate$/m) as [string, string | undefined];
      const report = await verifier.verifyModules(wat(base), candidate === undefined ? deadArgumentsEliminated(base) : wat(candidate), { featureFlags: FEATURES });
      const shown = JSON.stringify({ functions: report.functions.map((f) => [f.name, f.verdict]), module: report.module });
      const { module: expectedModule, ...functions } = Object.fromEntries(expected);
      for (const [name, verdict] of Object.entries(functions)) {
        const got = report.functions.find((f) => f.name === name)?.verdict;
        const [status, reason] = verdict.split(':');
        expect(got, `${name} in ${shown}`).toMatchObject({ status, ...(reason ? { reason } : {}) });
        // A proved function whose signature changed is a changed function (not `identical`).
        if (got?.status === 'proved') expect(got.method, shown).not.toBe('identical');
      }
      // A rewritten pair that fails proves nothing about the real functions: never a refutation.
      expect(report.totals.refuted, shown).toBe(0);
      expect(moduleVerdict(report), shown).toBe(expectedModule);
      // A signature change is in the findings, whatever became of it, and never silently accepted.
      expect(report.module.findings.join('\n'), shown).toMatch(/changed its signature/);
      if (expectedModule === 'accepted') expect(report.module.findings.filter((line) => /changed its signature/.test(line)).join('\n')).toMatch(/proved with every function calling it under the signature rule/);
    });
  }
});

describe('a whole jump without names', () => {
  it('pairs a function whose signature dead-argument elimination changed by its calls, and proves it under the rule', async () => {
    // Neither side has a name section (wasm-opt writes none unless asked): the changed functions pair only by
    // guess, from the calls of the exported f, whose signatures differ now.
    const text = readFileSync(new URL('dae-base.wat', DIR), 'utf8');
    const report = await verifier.verifyModules(withoutNameSection(wat(text)), withoutNameSection(deadArgumentsEliminated(text)), { featureFlags: FEATURES });
    const shown = JSON.stringify({ functions: report.functions.map((f) => [f.name, f.verdict]), module: report.module, unmatched: report.unmatched });
    expect(report.unmatched, shown).toEqual({ base: [], candidate: [] });
    expect(report.totals.refuted, shown).toBe(0);
    expect(report.module.accepted, shown).toBe(true);
    expect(report.module.findings.filter((line) => /changed its signature/.test(line)).length, shown).toBeGreaterThanOrEqual(2);
  });
});

describe('a context mixed from two modules', () => {
  it('does not encode a call whose arguments do not fit the callee it names', async () => {
    // Bound by position, the candidate's second argument would land in $g's local $v (read as 5, not 0), and
    // the candidate's f (3a) would pass for the base's (a + 5).
    const base = readIr(wat(`(module
      (func $g (param $x i32) (result i32) (local $v i32) (i32.add (local.get $x) (local.get $v)))
      (func $f (export "f") (param $a i32) (result i32) (i32.add (call $g (local.get $a)) (i32.const 5))))`), FEATURES);
    const candidate = readIr(wat(`(module
      (func $g (param $x i32) (param $y i32) (result i32) (i32.mul (local.get $x) (i32.const 3)))
      (func $f (export "f") (param $a i32) (result i32) (call $g (local.get $a) (i32.const 5))))`), FEATURES);
    const ctx = new ModuleContext(base);
    const pool = new SolverPool(1);
    try {
      const services = { solve: pool.check.bind(pool), z3Version: await pool.z3Version() };
      const side = (fn: string, module: typeof base) => ({ fn: module.functions.find((f) => f.name === fn)!, ctx, bytes: () => new Uint8Array(0) });
      const { verdict } = await checkPair(side('f', base), side('f', candidate), services, { featureFlags: FEATURES, runs: { before: 0, after: 0 } });
      expect(verdict).toMatchObject({ status: 'unknown', reason: 'unsupported' });
    } finally {
      await pool.close();
    }
  });
});
