import { describe, expect, it } from 'vitest';
import { signatureChanges } from '../../../src/verify/signature-rule.js';
import { readIr } from '../../../src/verify/module-pair.js';
import { FEATURES, wat } from './pair.js';

/** The pins of dead-argument elimination's rule (signature-rule.ts): which removed parameters are constants. */
function pinsOf(pre: string, post: string, changed: string[]) {
  const { changes, unexplained } = signatureChanges(readIr(wat(pre), FEATURES), readIr(wat(post), FEATURES), changed);
  expect(Object.fromEntries(unexplained)).toEqual({});
  return Object.fromEntries([...changes].map(([name, change]) => [name, Object.fromEntries([...change.removed].map(([i, c]) => [i, c?.value ?? null]))]));
}

const store = (k: string) => `(func $h (param $p i32) ${k} (i32.store offset=12 (local.get $p) ${k.includes('param') ? '(local.get $k)' : '(i32.const 9)'}))`;
const callers = `(func $f (export "f") (param $a i32) (call $g (local.get $a) (i32.const 9)) (call $g (i32.const 8) (i32.const 9)))`;
const after = `(module (memory 1)
  ${store('')}
  (func $g (param $p i32) (call $h (i32.add (local.get $p) (i32.const 4))))
  (func $f (export "f") (param $a i32) (call $g (local.get $a)) (call $g (i32.const 8))))`;

describe('the constants a signature change pins', () => {
  it('pins a parameter every call passes the same constant', () => {
    const before = `(module (memory 1) ${store('(param $k i32)')}
      (func $g (param $p i32) (param $k i32) (call $h (i32.add (local.get $p) (i32.const 4)) (i32.const 9))) ${callers})`;
    expect(pinsOf(before, after, ['h', 'g', 'f'])).toEqual({ h: { 1: '9' }, g: { 1: '9' } });
  });

  it('pins a parameter a caller forwards from a parameter of its own that is pinned and never written', () => {
    const before = `(module (memory 1) ${store('(param $k i32)')}
      (func $g (param $p i32) (param $k i32) (call $h (i32.add (local.get $p) (i32.const 4)) (local.get $k))) ${callers})`;
    expect(pinsOf(before, after, ['h', 'g', 'f'])).toEqual({ h: { 1: '9' }, g: { 1: '9' } });
  });

  it('does not pin what the caller writes before forwarding it, nor what differs between callers', () => {
    const written = `(module (memory 1) ${store('(param $k i32)')}
      (func $g (param $p i32) (param $k i32) (local.set $k (i32.const 9)) (call $h (i32.add (local.get $p) (i32.const 4)) (local.get $k))) ${callers})`;
    expect(pinsOf(written, after, ['h', 'g', 'f'])).toEqual({ h: { 1: null }, g: { 1: '9' } });
    const differing = `(module (memory 1) ${store('(param $k i32)')}
      (func $g (param $p i32) (param $k i32) (call $h (i32.add (local.get $p) (i32.const 4)) (local.get $k)))
      (func $f (export "f") (param $a i32) (call $g (local.get $a) (i32.const 9)) (call $g (i32.const 8) (i32.const 7))))`;
    expect(pinsOf(differing, after, ['h', 'g', 'f'])).toEqual({ h: { 1: null }, g: { 1: null } });
  });

  it('keeps the parameter the new body reads when an unused one of the same type went', () => {
    const before = `(module (memory 1)
      (func $g (param $unused i32) (param $n i32) (result i32) (i32.add (local.get $n) (i32.const 1)))
      (func $f (export "f") (param $a i32) (result i32) (call $g (local.get $a) (local.get $a))))`;
    const post = `(module (memory 1)
      (func $g (param $n i32) (result i32) (i32.add (local.get $n) (i32.const 1)))
      (func $f (export "f") (param $a i32) (result i32) (call $g (local.get $a))))`;
    const { changes } = signatureChanges(readIr(wat(before), FEATURES), readIr(wat(post), FEATURES), ['g', 'f']);
    expect(changes.get('g')?.kept).toEqual([1]);
    expect(pinsOf(before, post, ['g', 'f'])).toEqual({ g: { 0: null } });
  });

  it('keeps the parameter whose value is read when the one that went is overwritten before any read', () => {
    // As AssemblyScript's allocators come: the first parameter is a local the body sets before reading.
    const before = `(module (memory 1)
      (func $g (param $ptr i32) (param $n i32) (result i32)
        (memory.fill (local.tee $ptr (i32.add (local.get $n) (i32.const 16))) (i32.const 0) (local.get $n))
        (local.get $ptr))
      (func $f (export "f") (param $a i32) (result i32) (call $g (i32.const 0) (local.get $a))))`;
    const post = `(module (memory 1)
      (func $g (param $n i32) (result i32) (local $ptr i32)
        (memory.fill (local.tee $ptr (i32.add (local.get $n) (i32.const 16))) (i32.const 0) (local.get $n))
        (local.get $ptr))
      (func $f (export "f") (param $a i32) (result i32) (call $g (local.get $a))))`;
    const { changes } = signatureChanges(readIr(wat(before), FEATURES), readIr(wat(post), FEATURES), ['g', 'f']);
    expect(changes.get('g')?.kept).toEqual([1]);
  });

  it('keeps the parameters whose accesses line up when a removed one was read only to pass it on to a removed one', () => {
    // gofmt's (go/scanner.Error).Error: every call passes loads, so no fit is explained by the calls, and each
    // fit removes one parameter the old body reads; $q only went to $g's unused parameter.
    const before = `(module (memory 1)
      (func $g (param $x i32) (param $u i32) (result i32) (i32.load (local.get $x)))
      (func $e (param $p i32) (param $q i32) (param $r i32) (result i32) (i32.add (call $g (local.get $p) (local.get $q)) (i32.mul (local.get $r) (local.get $r))))
      (func $f (export "f") (param $a i32) (result i32) (call $e (i32.load (local.get $a)) (i32.load offset=4 (local.get $a)) (i32.load offset=8 (local.get $a)))))`;
    const post = `(module (memory 1)
      (func $g (param $x i32) (result i32) (i32.load (local.get $x)))
      (func $e (param $p i32) (param $r i32) (result i32) (i32.add (call $g (local.get $p)) (i32.mul (local.get $r) (local.get $r))))
      (func $f (export "f") (param $a i32) (result i32) (call $e (i32.load (local.get $a)) (i32.load offset=8 (local.get $a)))))`;
    const { changes } = signatureChanges(readIr(wat(before), FEATURES), readIr(wat(post), FEATURES), ['g', 'e', 'f']);
    expect(changes.get('e')?.kept).toEqual([0, 2]);
    expect(changes.get('g')?.kept).toEqual([0]);
  });

  it('does not pin a cycle of forwarded parameters that no constant enters', () => {
    const before = `(module (memory 1)
      (func $h (param $p i32) (param $k i32) (if (local.get $p) (then (call $g (i32.sub (local.get $p) (i32.const 1)) (local.get $k)))))
      (func $g (param $p i32) (param $k i32) (call $h (local.get $p) (local.get $k)))
      (func $f (export "f") (param $a i32) (param $b i32) (call $g (local.get $a) (local.get $b))))`;
    const post = `(module (memory 1)
      (func $h (param $p i32) (if (local.get $p) (then (call $g (i32.sub (local.get $p) (i32.const 1))))))
      (func $g (param $p i32) (call $h (local.get $p)))
      (func $f (export "f") (param $a i32) (param $b i32) (call $g (local.get $a))))`;
    expect(pinsOf(before, post, ['h', 'g', 'f'])).toEqual({ h: { 1: null }, g: { 1: null } });
  });
});
