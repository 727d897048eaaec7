import { describe, expect, it } from 'vitest';
import { checkModules } from '../../../src/verify/module-check.js';
import { readIr } from '../../../src/verify/index.js';
import { FEATURES, wat } from './pair.js';

/** The module check alone, with every function taken as proved (the check is what is under test). */
function check(base: string, candidate: string) {
  const a = readIr(wat(base), FEATURES);
  const b = readIr(wat(candidate), FEATURES);
  const pairs = new Map(a.functions.filter((f) => b.functions.some((g) => g.name === f.name)).map((f) => [f.name, f.name]));
  return checkModules(a, b, pairs, () => true);
}

const withTable = (table: string, elem: string) => `(module ${table} ${elem} (func $f (export "f") (result i32) (i32.const 1)))`;
const WITHOUT_TABLE = '(module (func $f (export "f") (result i32) (i32.const 1)))';

describe('module check: a table the candidate removed', () => {
  it('accepts removing a table nothing can observe (AssemblyScript leaves an empty one behind)', () => {
    const result = check(withTable('(table $t 1 1 funcref)', '(elem (table $t) (i32.const 1) func)'), WITHOUT_TABLE);
    expect(result.accepted).toBe(true);
    expect(result.findings.join('\n')).toMatch(/removed the table/);
  });

  it('refuses it when the table is exported, or when a segment does not fit (instantiation would trap)', () => {
    expect(check(withTable('(table $t (export "t") 1 1 funcref)', ''), WITHOUT_TABLE).accepted).toBe(false);
    const misfit = check(withTable('(table $t 1 1 funcref)', '(elem (table $t) (i32.const 1) func $f)'), WITHOUT_TABLE);
    expect(misfit.accepted).toBe(false);
    expect(misfit.findings.join('\n')).toMatch(/may not fit/);
  });
});

describe('module check: removed functions and what counts as a difference', () => {
  it('judges a removed function after the export, table and start checks, and never promises a check "below"', () => {
    const base = '(module (func $f (export "f") (result i32) (i32.const 1)) (func $g (result i32) (i32.const 2)))';
    const result = check(base, WITHOUT_TABLE);
    expect(result.accepted).toBe(true);
    expect(result.differences).toBe(0);
    expect(result.findings.join('\n')).not.toMatch(/below/);
    expect(result.findings).toContainEqual(expect.stringMatching(/^removed function \$?g: not exported, not in a table and not the start function/));
  });

  it('counts a structural difference (an export removed), and names the removed export that reached the function', () => {
    const base = '(module (func $f (export "f") (result i32) (i32.const 1)) (func $g (export "g") (result i32) (i32.const 2)))';
    const result = check(base, WITHOUT_TABLE);
    expect(result.accepted).toBe(false);
    expect(result.differences).toBeGreaterThanOrEqual(1);
    const findings = result.findings.join('\n');
    expect(findings).toMatch(/not accepted: export g removed/);
    expect(findings.indexOf('export g removed')).toBeLessThan(findings.indexOf('removed function'));
  });
});
