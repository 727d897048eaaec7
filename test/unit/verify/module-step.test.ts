import { describe, expect, it } from 'vitest';
import { checkModuleStep } from '../../../src/verify/module-step.js';
import { readIr } from '../../../src/verify/index.js';
import { FEATURES, wat } from './pair.js';

/** The module-level obligation of one pass step, on two modules written by hand as the pass would leave them. */
function check(pre: string, next: string, facts: { duplicates?: Array<[string, string]>; signatures?: string[] } = {}) {
  return checkModuleStep(readIr(wat(pre), FEATURES), readIr(wat(next), FEATURES), {
    duplicates: new Map(facts.duplicates ?? []),
    signatures: new Set(facts.signatures ?? []),
  });
}

const reader = (global: string, body: string) =>
  `(module ${global} (func $f (export "f") (param i32) (result i32) ${body}))`;

describe('module step: globals', () => {
  it('accepts making a global immutable when nothing writes it and the host cannot', () => {
    const pre = reader('(global $g (mut i32) (i32.const 7))', '(i32.add (local.get 0) (global.get $g))');
    const next = reader('(global $g i32 (i32.const 7))', '(i32.add (local.get 0) (i32.const 7))');
    expect(check(pre, next)).toMatchObject({ accepted: true });
  });

  it('refuses it for an exported global, names the global, and refuses a changed initializer', () => {
    const exported = check(
      reader('(global $g (export "g") (mut i32) (i32.const 7))', '(local.get 0)'),
      reader('(global $g (export "g") i32 (i32.const 7))', '(local.get 0)'),
    );
    expect(exported.accepted).toBe(false);
    expect([...exported.globals.keys()]).toEqual(['g']);
    const initializer = check(reader('(global $g i32 (i32.const 7))', '(local.get 0)'), reader('(global $g i32 (i32.const 8))', '(local.get 0)'));
    expect(initializer.globals.get('g')).toMatch(/initializer/);
  });

  it('accepts removing a global nothing uses, not one the module still reads', () => {
    expect(check(reader('(global $g (mut i32) (i32.const 7))', '(local.get 0)'), reader('', '(local.get 0)')).accepted).toBe(true);
  });
});

describe('module step: functions, exports and signatures', () => {
  const twins = (exportB: string) => `(module
    (func $a (export "a") (result i32) (i32.const 1))
    (func $b (export "b") (result i32) (i32.const 1)))`.replace('(export "b")', exportB);

  it('accepts an export moved to the twin of a removed duplicate, and nothing else', () => {
    const next = '(module (func $a (export "a") (export "b") (result i32) (i32.const 1)))';
    expect(check(twins('(export "b")'), next, { duplicates: [['b', 'a']] }).accepted).toBe(true);
    const unjustified = check(twins('(export "b")'), next);
    expect(unjustified.accepted).toBe(false);
    expect(unjustified.problems.join('\n')).toMatch(/export b points elsewhere/);
  });

  it('refuses a signature change without a proved rule, and for a function the host can call even with one', () => {
    const pre = '(module (func $h (export "h") (param i32 i32) (result i32) (local.get 0)))';
    const next = '(module (func $h (export "h") (param i32) (result i32) (local.get 0)))';
    expect(check(pre, next).problems.join('\n')).toMatch(/without a proved rule/);
    expect(check(pre, next, { signatures: ['h'] }).problems.join('\n')).toMatch(/the host or a table can call it/);
  });
});

describe('module step: memory', () => {
  it('accepts data segments rearranged into the same initial image, refuses another image', () => {
    const pre = '(module (memory 1) (data (i32.const 8) "ab\\00\\00cd"))';
    expect(check(pre, '(module (memory 1) (data (i32.const 8) "ab") (data (i32.const 12) "cd"))').accepted).toBe(true);
    expect(check(pre, '(module (memory 1) (data (i32.const 8) "ab") (data (i32.const 12) "ce"))').accepted).toBe(false);
  });
});
