import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPair, type PairSide } from '../../../src/verify/checker.js';
import { ModuleContext } from '../../../src/verify/context.js';
import { readIr } from '../../../src/verify/index.js';
import { SolverPool } from '../../../src/verify/solver-pool.js';
import { FEATURES, wat } from './pair.js';

/**
 * The function pairs of test/fixtures/pairs (one per file, with the verdict the checker must give for `$f`;
 * see the README there), each checked with checkPair as the pipelines and `atoll verify` call it.
 */
const DIR = new URL('../../fixtures/pairs/', import.meta.url);

let pool: SolverPool;
beforeAll(async () => {
  pool = new SolverPool(1);
  await pool.warmUp();
});
afterAll(() => pool.close());

function side(bytes: Uint8Array): PairSide {
  const ctx = new ModuleContext(readIr(bytes, FEATURES));
  return { fn: ctx.functions.get('f')!, ctx, bytes: () => bytes };
}

describe('function pairs', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.wat')).sort()) {
    const text = readFileSync(new URL(file, DIR), 'utf8');
    const expected = /^;; expect: (.+)$/m.exec(text)?.[1]?.trim() ?? '';
    it(`${file}: ${expected}`, async () => {
      const [base, candidate] = text.split(/^;; candidate$/m) as [string, string];
      const services = { solve: pool.check.bind(pool), z3Version: await pool.z3Version() };
      const { verdict } = await checkPair(side(wat(base)), side(wat(candidate)), services, { featureFlags: FEATURES });
      const shown = JSON.stringify(verdict);
      if (expected === 'refuted') {
        expect(verdict.status, shown).toBe('refuted');
        if (verdict.status === 'refuted') expect(verdict.counterexample.observed!.base, shown).not.toBe(verdict.counterexample.observed!.candidate);
      } else if (expected === 'not proved') {
        expect(verdict.status, shown).not.toBe('proved');
      } else if (expected === 'proved') {
        expect(verdict.status, shown).toBe('proved');
      } else if (expected.startsWith('unknown ')) {
        expect(verdict, shown).toMatchObject({ status: 'unknown', reason: expected.slice('unknown '.length) });
      } else {
        const method = /^proved (\S+)$/.exec(expected)?.[1];
        expect(method, `unreadable expectation "${expected}"`).toBeDefined();
        expect(verdict, shown).toEqual({ status: 'proved', method });
      }
    });
  }
});
