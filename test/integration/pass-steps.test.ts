import { describe, expect, it } from 'vitest';
import { binaryen, withModule } from '../../src/wasm/binaryen.js';
import { extractModule, signatureOf } from '../../src/wasm/ir.js';
import { DEFAULT_KNOBS } from '../../src/islands/genome.js';
import type { EvaluateResult } from '../../src/workers/binaryen-tasks.js';
import { FEATURES, wat } from '../unit/verify/pair.js';
import { checkedPool } from './checked-pool.js';

/**
 * Proof-carrying pipelines, one pass family per fixture: a small module whose change by that pass is a
 * (function, pass) step the pipeline proves and keeps, module-level obligations included (inlining with the
 * callee removed, duplicates merged, a global made constant, a signature changed), and a wrong step that is
 * refuted and reverted with what it drags along. Each output must also compute what its input did.
 */
const checked = checkedPool();

type Proved = Extract<EvaluateResult, { ok: true }>;

async function applyChecked(text: string, passes: string[], plantFault?: string, spans = false, deadline?: number): Promise<Proved & { input: Uint8Array }> {
  const input = wat(text);
  const pool = checked.pool();
  const ingested = await pool.ingest({ bytes: input, declared: undefined, override: undefined });
  const result = await pool.evaluate({
    base: ingested.named,
    flags: ingested.flags | FEATURES,
    genome: { kind: 'pipeline', passes, knobs: { ...DEFAULT_KNOBS } },
    objective: 'size',
    ...(plantFault ? { plantFault } : {}),
    checks: await checked.strictChecks({ spans, ...(deadline === undefined ? {} : { deadline }) }),
  });
  if (!result.ok) throw new Error(result.error);
  return { ...result, input };
}

/** Each export called on fixed arguments; traps are part of the transcript. */
function transcript(bytes: Uint8Array, args: number[][] = [[0], [1], [7], [-3], [100000]]): string[] {
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { ext: (x: number) => x * 3 + 1 } }).exports;
  const out: string[] = [];
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value !== 'function') continue;
    for (const a of args) {
      try {
        out.push(`${name}(${a}) = ${(value as (...x: number[]) => unknown)(...a)}`);
      } catch (error) {
        out.push(`${name}(${a}) trapped: ${(error as Error).message}`);
      }
    }
  }
  return out;
}

const functionNames = (bytes: Uint8Array) => withModule(bytes, FEATURES, (m) => extractModule(binaryen, m).functions.map((f) => f.name));
const provedAt = (r: Proved, fn: string, pass: string) => r.proof!.proved.filter((s) => s.function === fn && s.pass === pass);
const totalsOf = (r: Proved, pass: string) => r.proof!.passes.find((p) => p.pass === pass);

describe('pass steps proved at their step, per pass family', () => {
  it('locals: ssa-nomerge, coalesce-locals and reorder-locals rename and merge locals', async () => {
    const text = `(module (func $f (export "f") (param $a i32) (result i32) (local $x i32) (local $y i32) (local $dead i64)
      (local.set $x (i32.add (local.get $a) (i32.const 1)))
      (local.set $y (i32.mul (local.get $x) (local.get $x)))
      (local.set $x (i32.sub (local.get $y) (local.get $a)))
      (local.get $x)))`;
    const r = await applyChecked(text, ['ssa-nomerge', 'coalesce-locals', 'reorder-locals']);
    expect(provedAt(r, 'f', 'coalesce-locals').length + provedAt(r, 'f', 'reorder-locals').length).toBeGreaterThan(0);
    expect(r.proof!.unproved).toEqual([]);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('peepholes: optimize-instructions turns a multiplication by 8 into a shift', async () => {
    const text = `(module (func $f (export "f") (param $a i32) (result i32)
      (i32.add (i32.mul (local.get $a) (i32.const 8)) (i32.eqz (i32.eqz (local.get $a))))))`;
    const r = await applyChecked(text, ['optimize-instructions']);
    expect(provedAt(r, 'f', 'optimize-instructions')).toHaveLength(1);
    expect(r.stripped.length).toBeLessThan(r.input.length);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('control flow: remove-unused-brs, merge-blocks and vacuum restructure branches', async () => {
    const text = `(module (func $f (export "f") (param $a i32) (result i32) (local $r i32)
      (block $out
        (block $inner
          (br_if $inner (i32.eqz (local.get $a)))
          (local.set $r (i32.const 10))
          (br $out))
        (local.set $r (i32.const 20)))
      (nop)
      (local.get $r)))`;
    const r = await applyChecked(text, ['remove-unused-brs', 'merge-blocks', 'vacuum', 'remove-unused-names']);
    expect(r.proof!.proved.filter((s) => s.function === 'f').length).toBeGreaterThan(0);
    expect(r.proof!.unproved).toEqual([]);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('constants: precompute-propagate folds through locals', async () => {
    const text = `(module (func $f (export "f") (param $a i32) (result i32) (local $x i32)
      (local.set $x (i32.const 5))
      (i32.add (local.get $a) (i32.mul (local.get $x) (i32.const 3)))))`;
    const r = await applyChecked(text, ['precompute-propagate', 'vacuum']);
    expect(provedAt(r, 'f', 'precompute-propagate')).toHaveLength(1);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('memory: atoll\'s forward-stores reads a frame slot just stored from a local, up to a call', async () => {
    // As clang -O0 writes code: every variable in a frame in linear memory, reloaded at each use.
    const text = `(module (import "env" "ext" (func $ext (param i32) (result i32))) (memory 1)
      (func $f (export "f") (param $a i32) (result i32) (local $fp i32)
        (local.set $fp (i32.const 1024))
        (i32.store offset=12 (local.get $fp) (local.get $a))
        (i32.store offset=8 (local.get $fp) (i32.mul (i32.load offset=12 (local.get $fp)) (i32.const 3)))
        (drop (call $ext (i32.load offset=8 (local.get $fp))))
        (i32.add (i32.load offset=8 (local.get $fp)) (i32.load offset=12 (local.get $fp)))))`;
    const r = await applyChecked(text, ['forward-stores']);
    expect(provedAt(r, 'f', 'forward-stores')).toHaveLength(1);
    expect(r.proof!.unproved).toEqual([]);
    // Two loads forwarded (before the call); the two after it stay.
    const loads = withModule(r.stripped, FEATURES, (m) => m.emitText().match(/i32\.load/g)?.length);
    expect(loads).toBe(2);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('inlining: the callee inlined into its one caller is removed, and the caller is proved with its body', async () => {
    const text = `(module
      (func $helper (param $x i32) (result i32) (i32.add (i32.mul (local.get $x) (local.get $x)) (i32.const 3)))
      (func $f (export "f") (param $a i32) (result i32) (i32.sub (call $helper (local.get $a)) (local.get $a))))`;
    const r = await applyChecked(text, ['inlining-optimizing']);
    expect(functionNames(r.named)).not.toContain('helper');
    expect(provedAt(r, 'f', 'inlining-optimizing')).toHaveLength(1);
    expect(r.proof!.unproved).toEqual([]);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('nested pipelines as their parts: inlining, then function passes on the functions it changed', async () => {
    const text = `(module
      (func $helper (param $x i32) (result i32) (i32.add (i32.mul (local.get $x) (local.get $x)) (i32.const 3)))
      (func $other (export "other") (param $y i32) (result i32) (local $t i32) (local.set $t (i32.const 4)) (i32.add (local.get $y) (local.get $t)))
      (func $f (export "f") (param $a i32) (result i32) (i32.sub (call $helper (local.get $a)) (local.get $a))))`;
    const r = await applyChecked(text, ['inlining', 'precompute-propagate@touched', 'simplify-locals@touched', 'vacuum@touched']);
    expect(provedAt(r, 'f', 'inlining')).toHaveLength(1);
    // Only f, which inlining changed, is optimized further; other's constant local stays.
    expect(r.proof!.proved.filter((s) => s.pass.endsWith('@touched')).every((s) => s.function === 'f')).toBe(true);
    expect(r.proof!.proved.some((s) => s.function === 'f' && s.pass.endsWith('@touched'))).toBe(true);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('inlining: a caller whose step is refuted goes back, and the callee it still calls comes back with it', async () => {
    const text = `(module
      (func $helper (param $x i32) (result i32) (i32.add (i32.mul (local.get $x) (local.get $x)) (i32.const 3)))
      (func $f (export "f") (param $a i32) (result i32) (i32.sub (call $helper (local.get $a)) (local.get $a))))`;
    // The fault is planted in f right after inlining: f's step is refuted, so its pre-pass body (which calls
    // helper) is restored, and helper, which the pass removed, must be restored too.
    const r = await applyChecked(text, ['inlining-optimizing'], 'f');
    const step = r.proof!.unproved.find((s) => s.function === 'f');
    expect(step?.verdict.status).toBe('refuted');
    expect(functionNames(r.named)).toContain('helper');
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('duplicates: duplicate-function-elimination redirects calls and exports to the twin it keeps', async () => {
    const text = `(module
      (func $a (export "a") (param $x i32) (result i32) (i32.add (i32.mul (local.get $x) (i32.const 7)) (i32.const 1)))
      (func $b (export "b") (param $y i32) (result i32) (i32.add (i32.mul (local.get $y) (i32.const 7)) (i32.const 1)))
      (func $f (export "f") (param $p i32) (result i32) (i32.xor (call $a (local.get $p)) (call $b (i32.const 2)))))`;
    const r = await applyChecked(text, ['duplicate-function-elimination']);
    expect(functionNames(r.named)).not.toContain('b');
    const kept = r.proof!.segment.passes.find((p) => p.pass === 'duplicate-function-elimination')!.kept!;
    expect(kept.find(([name]) => name === 'f')?.[2]).toMatch(/duplicates/);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('globals: simplify-globals-optimizing makes a global nothing writes constant and folds its reads', async () => {
    const text = `(module
      (global $g (mut i32) (i32.const 7))
      (func $f (export "f") (param $a i32) (result i32) (i32.add (local.get $a) (i32.mul (global.get $g) (i32.const 2)))))`;
    const r = await applyChecked(text, ['simplify-globals-optimizing']);
    expect(provedAt(r, 'f', 'simplify-globals-optimizing')).toHaveLength(1);
    expect(r.proof!.unproved).toEqual([]);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('globals: simplify-globals drops writes to a global nothing reads', async () => {
    const text = `(module
      (global $sink (mut i32) (i32.const 0))
      (func $f (export "f") (param $a i32) (result i32) (global.set $sink (local.get $a)) (i32.add (local.get $a) (i32.const 1))))`;
    const r = await applyChecked(text, ['simplify-globals', 'remove-unused-module-elements']);
    expect(provedAt(r, 'f', 'simplify-globals')).toHaveLength(1);
    const kept = r.proof!.segment.passes.find((p) => p.pass === 'simplify-globals')!.kept!;
    expect(kept.find(([name]) => name === 'f')?.[2]).toMatch(/globals nothing reads/);
    const after = withModule(r.named, FEATURES, (m) => extractModule(binaryen, m));
    expect(after.globals).toHaveLength(0);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('remove-unused-module-elements: a table slot no call_indirect of its signature reaches becomes unreachable, proved as a body nothing can call', async () => {
    // $slot is in a table the host cannot see, and the only call_indirect names another signature: binaryen
    // replaces $slot's body by unreachable. Alone, that step is refuted (the body now traps); nothing can run it.
    const text = `(module
      (type $unary (func (param i32) (result i32)))
      (table 2 funcref)
      (elem (i32.const 0) $slot $inc)
      (func $slot (param $a i32) (param $b i32) (drop (i32.add (local.get $a) (local.get $b))))
      (func $inc (param $a i32) (result i32) (i32.add (local.get $a) (i32.const 1)))
      (func $f (export "f") (param $a i32) (result i32) (call_indirect (type $unary) (local.get $a) (i32.const 1))))`;
    const r = await applyChecked(text, ['remove-unused-module-elements']);
    expect(provedAt(r, 'slot', 'remove-unused-module-elements')).toMatchObject([{ method: 'unreachable', facts: { uncallable: true } }]);
    expect(r.proof!.unproved).toEqual([]);
    const after = withModule(r.named, FEATURES, (m) => extractModule(binaryen, m));
    expect(after.functions.find((fn) => fn.name === 'slot')?.body).toMatchObject({ kind: 'unreachable' });
    expect(transcript(r.stripped, [[0], [1], [7]])).toEqual(transcript(r.input, [[0], [1], [7]]));
  });

  it('signatures: dead-argument elimination removes a constant and an unused parameter and a dropped result, through its rule', async () => {
    const text = `(module
      (func $h (param $x i32) (param $k i32) (result i32) (i32.add (i32.mul (local.get $x) (local.get $x)) (local.get $k)))
      (func $u (param $x i32) (param $unused i32) (result i32) (i32.mul (local.get $x) (i32.const 3)))
      (func $r (param $x i32) (result i32) (i32.add (local.get $x) (i32.const 1)))
      (func $f (export "f") (param $a i32) (result i32)
        (drop (call $r (local.get $a)))
        (i32.add (call $h (local.get $a) (i32.const 5)) (i32.add (call $h (i32.const 7) (i32.const 5)) (call $u (local.get $a) (local.get $a))))))`;
    const r = await applyChecked(text, ['dae']);
    const after = withModule(r.named, FEATURES, (m) => extractModule(binaryen, m));
    expect(signatureOf(after.functions.find((fn) => fn.name === 'h')!)).toBe('i32->i32');
    expect(signatureOf(after.functions.find((fn) => fn.name === 'r')!)).toBe('i32->');
    for (const name of ['h', 'u', 'r', 'f']) expect(provedAt(r, name, 'dae'), name).toHaveLength(1);
    expect(r.proof!.unproved).toEqual([]);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('signatures: a constant carried down a chain of calls pins every parameter on the way, through its rule', async () => {
    // dae-optimizing finds g's $k always 9, so g' uses 9, its call passes 9 to h, and the next round pins
    // h's $k in the same step, although before the pass g called h with (local.get $k), not with a constant.
    const text = `(module
      (memory 1)
      (func $h (param $p i32) (param $k i32) (i32.store offset=12 (local.get $p) (local.get $k)))
      (func $g (param $p i32) (param $k i32) (call $h (i32.add (local.get $p) (i32.const 4)) (local.get $k)))
      (func $f (export "f") (param $a i32) (call $g (local.get $a) (i32.const 9)) (call $g (i32.const 8) (i32.const 9))))`;
    const r = await applyChecked(text, ['dae-optimizing']);
    expect(r.proof!.unproved).toEqual([]);
    const after = withModule(r.named, FEATURES, (m) => extractModule(binaryen, m));
    expect(signatureOf(after.functions.find((fn) => fn.name === 'g')!)).toBe('i32->');
    expect(signatureOf(after.functions.find((fn) => fn.name === 'h')!)).toBe('i32->');
    for (const name of ['h', 'g', 'f']) expect(provedAt(r, name, 'dae-optimizing'), name).toHaveLength(1);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('signatures: a caller whose step fails takes the signature change back with it, whole', async () => {
    const text = `(module
      (func $h (param $x i32) (param $k i32) (result i32) (i32.add (i32.mul (local.get $x) (local.get $x)) (local.get $k)))
      (func $f (export "f") (param $a i32) (result i32) (i32.add (call $h (local.get $a) (i32.const 5)) (call $h (i32.const 7) (i32.const 5)))))`;
    const r = await applyChecked(text, ['dae'], 'f');
    // f is checked through the rule (read with h's old signature), so the planted difference shows as the
    // rule's obligation failing, not as a refutation of the real pair.
    expect(r.proof!.unproved.find((s) => s.function === 'f')?.verdict).toMatchObject({ status: 'unknown', reason: 'signature-changed' });
    expect(r.proof!.unproved.find((s) => s.function === 'h')?.why).toMatch(/signature change stays only with all its callers/);
    const after = withModule(r.named, FEATURES, (m) => extractModule(binaryen, m));
    expect(signatureOf(after.functions.find((fn) => fn.name === 'h')!)).toBe('i32,i32->i32');
    expect(totalsOf(r, 'dae')?.revertedBy['dragged']).toBe(1);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });

  it('a module-level change that cannot be accepted withdraws the pass: the pipeline runs again without it', async () => {
    // remove-unused-module-elements drops a passive segment nothing seems to use; memory.init and data.drop are
    // not modelled, so "nothing uses it" cannot be checked, and the removal is not accepted.
    const text = `(module (memory 1)
      (data $unused "abc")
      (func $f (export "f") (param $a i32) (result i32) (i32.add (local.get $a) (i32.const 1)))
      (func $g (export "g") (param $a i32) (result i32) (i32.mul (i32.mul (local.get $a) (i32.const 4)) (i32.const 2))))`;
    const r = await applyChecked(text, ['remove-unused-module-elements', 'optimize-instructions']);
    const withdrawn = r.proof!.segment.passes[0]!;
    expect(withdrawn).toMatchObject({ pass: 'remove-unused-module-elements', whole: expect.stringMatching(/passive data segments changed/) });
    expect(totalsOf(r, 'remove-unused-module-elements')?.wholeReverts).toBe(1);
    // The passes after it ran as usual, from the module before it.
    expect(provedAt(r, 'g', 'optimize-instructions')).toHaveLength(1);
    const after = withModule(r.named, FEATURES, (m) => extractModule(binaryen, m));
    expect(after.data.filter((d) => d.passive)).toHaveLength(1);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });
});

describe('spans: consecutive function passes checked as one step per function', () => {
  const locals = `(module
    (func $f (export "f") (param $a i32) (result i32) (local $x i32) (local $y i32)
      (local.set $x (i32.add (local.get $a) (i32.const 1)))
      (local.set $y (i32.mul (local.get $x) (i32.const 8)))
      (local.set $x (i32.sub (local.get $y) (local.get $a)))
      (local.get $x))
    (func $g (export "g") (param $b i32) (result i32) (local $t i32)
      (local.set $t (i32.const 5))
      (i32.add (local.get $b) (i32.mul (local.get $t) (i32.const 3)))))`;
  const passes = ['ssa-nomerge', 'optimize-instructions', 'precompute-propagate', 'simplify-locals', 'coalesce-locals', 'vacuum'];
  const span = `ssa-nomerge…vacuum (${passes.length} passes)`;

  it('proves each changed function once over the whole span, and ends where pass by pass ends', async () => {
    const spanned = await applyChecked(locals, passes, undefined, true);
    const stepped = await applyChecked(locals, passes);
    expect(spanned.proof!.proved.map((s) => [s.function, s.pass])).toEqual([['f', span], ['g', span]]);
    expect(spanned.proof!.passes.find((p) => p.pass === span)).toMatchObject({ steps: 2, proved: 2 });
    expect(spanned.proof!.segment.passes[0]!.span).toMatchObject({ passes: passes.length, kept: [['f', expect.any(String), 'graph'], ['g', expect.any(String), 'graph']] });
    expect(stepped.proof!.proved.filter((s) => s.function === 'f').length).toBeGreaterThan(1);
    expect(spanned.named).toEqual(stepped.named);
    expect(transcript(spanned.stripped)).toEqual(transcript(spanned.input));
  });

  it('a function the span does not prove goes back and runs the span pass by pass, its wrong step refuted there', async () => {
    // The fault is planted in f after the span's first pass: the span's graph cannot prove f, so f alone runs
    // the passes again, the fault is planted again, and its step at the first pass is refuted and reverted.
    const r = await applyChecked(locals, passes, 'f', true);
    expect(r.proof!.passes.find((p) => p.pass === span)).toMatchObject({ steps: 1, proved: 1, passByPass: 1 });
    expect(r.proof!.proved.filter((s) => s.function === 'g').map((s) => s.pass)).toEqual([span]);
    expect(r.proof!.unproved.find((s) => s.function === 'f')).toMatchObject({ pass: 'ssa-nomerge', verdict: { status: 'refuted' } });
    expect(r.proof!.proved.some((s) => s.function === 'f' && s.pass === 'optimize-instructions')).toBe(true);
    expect(transcript(r.stripped)).toEqual(transcript(r.input));
  });
});

describe('a deadline (a job\'s time budget) ends a proved pipeline between two passes', () => {
  const text = `(module
    (func $f (export "f") (param $a i32) (result i32) (local $x i32)
      (local.set $x (i32.add (local.get $a) (i32.const 0)))
      (i32.mul (local.get $x) (i32.const 2))))`;
  const passes = ['optimize-instructions', 'simplify-locals', 'vacuum'];

  it('past the deadline no pass runs: the module as written, proved, and the (empty) list of passes that ran', async () => {
    const stopped = await applyChecked(text, passes, undefined, true, Date.now() - 1);
    expect(stopped.stopped).toEqual([]);
    expect(stopped.proof!.segment.passes).toEqual([]);
    expect(stopped.proof!.proved.filter((s) => s.pass !== 'emit')).toEqual([]);
    expect(transcript(stopped.stripped)).toEqual(transcript(stopped.input));
    const whole = await applyChecked(text, passes, undefined, true, Date.now() + 3_600_000);
    expect(whole.stopped).toBeUndefined();
    expect(whole.proof!.proved.some((s) => s.function === 'f' && s.pass !== 'emit')).toBe(true);
    expect(whole.stripped.length).toBeLessThan(stopped.stripped.length);
  });
});
