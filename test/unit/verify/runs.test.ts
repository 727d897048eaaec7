import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../../src/protocol/report.js';
import { Verifier } from '../../../src/verify/index.js';
import { observedCoupling } from '../../../src/verify/run/loop-samples.js';
import { runSide } from '../../../src/verify/run/execute.js';
import { buildHarness } from '../../../src/verify/run/harness.js';
import { PairRuns } from '../../../src/verify/run/runs.js';
import { readIr } from '../../../src/verify/verifier.js';
import { binaryen } from '../../../src/wasm/binaryen.js';
import { FEATURES, fn, moduleWith, verdictOf, wat } from './pair.js';

/**
 * Refutation by running (src/verify/run/): both functions run for real in V8 on generated entry states, a
 * difference is a refutation whose counterexample has already run, and a run cut off by its fuel is no
 * difference. Also the replay of a solver's model on a module whose memory has a name.
 */
let verifier: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1 });
  await verifier.warmUp();
});
afterAll(() => verifier.close());

const NO_RUNS = { before: 0, after: 0 };

/** The runs of `$f` (or the first function) of two modules, which must be runnable. */
function pairRuns(base: Uint8Array, candidate: Uint8Array, options: { trace?: boolean; fuel?: number } = {}): PairRuns {
  const side = (bytes: Uint8Array) => {
    const ir = readIr(bytes, FEATURES);
    return { fn: ir.functions.find((f) => f.name === 'f') ?? ir.functions[0]!, ir, bytes };
  };
  const runs = PairRuns.create(side(base), side(candidate), FEATURES, options);
  if (typeof runs === 'string') throw new Error(runs);
  return runs;
}

function expectRefutedBy(v: Verdict, foundBy: 'run' | 'solver'): void {
  expect(v.status, JSON.stringify(v)).toBe('refuted');
  if (v.status !== 'refuted') return;
  expect(v.counterexample.foundBy).toBe(foundBy);
  expect(v.counterexample.difference).toBeTruthy();
  expect(v.counterexample.observed!.base).not.toBe(v.counterexample.observed!.candidate);
}

describe('replay of a solver counterexample', () => {
  const named = (op: string) => wat(`(module (memory $mem 1) (func $f (export "f") (param i32) (result i32)
    (i32.${op} (i32.load (local.get 0)) (i32.const 3))))`);

  it('runs on a module whose memory is named in the name section', async () => {
    // Before: binaryen aborted exporting memory "0" (getMemoryIndex) and the miscompile was `encoder-fault`.
    const report = await verifier.verifyModules(named('add'), named('sub'), { featureFlags: FEATURES, runs: NO_RUNS });
    expectRefutedBy(report.functions[0]!.verdict, 'solver');
  });

  it('and refutes the same pair by running', async () => {
    const report = await verifier.verifyModules(named('add'), named('sub'), { featureFlags: FEATURES });
    expectRefutedBy(report.functions[0]!.verdict, 'run');
  });
});

describe('float differences a run shows are refutations', () => {
  const ff = '(param f32 f32) (result f32)';
  const dd = '(param f64 f64) (result i32)';
  const CASES: Array<[string, string, string, string]> = [
    ['f32 reassociation', ff, '(f32.add (f32.add (local.get 0) (local.get 1)) (f32.const 1e8))', '(f32.add (local.get 0) (f32.add (local.get 1) (f32.const 1e8)))'],
    ['min with NaN or -0', ff, '(f32.min (local.get 0) (local.get 1))', '(select (local.get 0) (local.get 1) (f32.lt (local.get 0) (local.get 1)))'],
    ['max against a compare', ff, '(f32.max (local.get 0) (f32.const 0))', '(select (local.get 0) (f32.const 0) (f32.gt (local.get 0) (f32.const 0)))'],
    ['copysign against abs', ff, '(f32.copysign (local.get 0) (local.get 1))', '(f32.abs (local.get 0))'],
    ['NaN compare (x == x)', dd, '(f64.eq (local.get 0) (local.get 0))', '(i32.const 1)'],
    ['NaN compare (!(x >= y) vs x < y)', dd, '(i32.eqz (f64.ge (local.get 0) (local.get 1)))', '(f64.lt (local.get 0) (local.get 1))'],
    ['x * 2 vs x + x + 0', ff, '(f32.mul (local.get 0) (f32.const 2))', '(f32.add (f32.add (local.get 0) (local.get 0)) (f32.const 0))'],
  ];

  it.each(CASES)('%s', async (_name, sig, base, candidate) => {
    expectRefutedBy(await verdictOf(verifier, fn(sig, base), fn(sig, candidate)), 'run');
  });

  it('while the solver alone leaves the uninterpreted ones unknown', async () => {
    // What was reported before runs: a model of the uninterpreted operator, which no real run reproduced.
    const report = await verifier.verifyModules(wat(moduleWith(fn(ff, CASES[0]![2]))), wat(moduleWith(fn(ff, CASES[0]![3]))), { featureFlags: FEATURES, only: ['f'], runs: NO_RUNS });
    expect(report.functions[0]!.verdict.status).not.toBe('refuted');
  });

  it('but NaNs with another payload are no difference', async () => {
    // binaryen folds NaN arithmetic without keeping payloads; wasm leaves them nondeterministic.
    const v = await verdictOf(verifier, fn('(param f32) (result f32)', '(f32.add (local.get 0) (f32.const nan:0x200000))'),
      fn('(param f32) (result f32)', '(f32.const nan:0x400000)'));
    expect(v.status, JSON.stringify(v)).not.toBe('refuted');
  });
});

describe('runs', () => {
  const ii = '(param i32 i32) (result i32)';

  it('compare the calls made to imports (the world)', async () => {
    const v = await verdictOf(verifier, fn(ii, '(drop (call $ext (local.get 0))) (call $ext (local.get 0))'), fn(ii, '(call $ext (local.get 0))'));
    expectRefutedBy(v, 'run');
  });

  it('compare the state at a trap', async () => {
    const reader = '(func $read (export "read") (result i32) (global.get $g))';
    const v = await verdictOf(verifier, fn(ii, '(global.set $g (i32.const 7)) (i32.div_u (local.get 0) (local.get 1))') + reader,
      fn(ii, '(local.set 0 (i32.div_u (local.get 0) (local.get 1))) (global.set $g (i32.const 7)) (local.get 0)') + reader);
    expectRefutedBy(v, 'run');
  });

  it('compare only globals something can read: a write-only global (simplify-globals drops it) is no behaviour', async () => {
    const module = (body: string, reader: string) => wat(`(module (global $w (mut i32) (i32.const 0))
      (func $f (export "f") (param i32) (result i32) ${body}) ${reader})`);
    const check = async (reader: string) => (await verifier.verifyModules(
      module('(global.set $w (local.get 0)) (if (local.get 0) (then (unreachable))) (i32.const 1)', reader),
      module('(if (local.get 0) (then (unreachable))) (i32.const 1)', reader), { featureFlags: FEATURES })).functions[0]!.verdict;
    expect((await check('')).status).toBe('proved');
    expectRefutedBy(await check('(func $r (export "r") (result i32) (global.get $w))'), 'run');
  });

  it('are bounded by fuel: a loop that never ends is inconclusive, not a difference', () => {
    const base = wat(moduleWith(fn(ii, '(i32.const 0)')));
    const candidate = wat(moduleWith(fn(ii, '(loop $l (br $l)) (i32.const 0)')));
    const runs = pairRuns(base, candidate);
    const tally = { ran: 0, inconclusive: 0 };
    expect(runs.refute(8, 0, tally)).toBeUndefined();
    expect(tally).toMatchObject({ ran: 0, inconclusive: 8 });
    expect((tally as { why?: string }).why).toMatch(/fuel/);
  });

  it("give link-time imports (an emscripten module's __memory_base, __table_base) values its segments fit at", () => {
    // Random values placed the data and element segments out of bounds: most runs could not instantiate.
    const module = (body: string) => wat(`(module
      (import "env" "__memory_base" (global $mb i32)) (import "env" "__table_base" (global $tb i32))
      (import "env" "memory" (memory 1)) (import "env" "table" (table 2 funcref))
      (data (global.get $mb) "\\2a") (elem (global.get $tb) $f $f)
      (func $f (export "f") (param i32) (result i32) ${body}))`);
    const base = module('(i32.add (i32.load8_u (global.get $mb)) (global.get $tb))');
    const candidate = module('(i32.add (i32.load8_u (global.get $mb)) (i32.const 0))');
    const runs = pairRuns(base, base);
    const tally = { ran: 0, inconclusive: 0 };
    expect(runs.refute(40, 1, tally)).toBeUndefined();
    expect(tally).toMatchObject({ ran: 40, inconclusive: 0 });
    // And they are not all zero: reading the table base as 0 is a difference a run shows.
    expect(pairRuns(base, candidate).refute(40, 1, { ran: 0, inconclusive: 0 })).toBeDefined();
  });

  it('start each run from its own memory size and the data image, whatever size ran before', () => {
    // $f reads the byte it then overwrites, and the memory's size: a run that saw a previous run's memory or
    // size would answer otherwise.
    const bytes = wat(`(module (memory 1 4) (data (i32.const 0) "\\07")
      (func $f (export "f") (result i32)
        (i32.add (i32.mul (memory.size) (i32.const 256)) (i32.load8_u (i32.const 0)))
        (i32.store8 (i32.const 0) (i32.const 99))))`);
    const ir = readIr(bytes, FEATURES);
    const harness = buildHarness(bytes, ir, { features: FEATURES, settable: [] });
    const entry = (pages: number) => ({ params: [], globals: new Map<string, bigint>(), pages, memory: 'image' as const, writes: [], world: null });
    const answers = [2, 1, 1, 3, 2, 1].map((pages) => {
      const run = runSide(harness, ir.functions[0]!, entry(pages), { shared: new Map() });
      return run.ran ? [run.observation.pages, Number(run.observation.results[0])] : run.why;
    });
    expect(answers).toEqual([[2, 519], [1, 263], [1, 263], [3, 775], [2, 519], [1, 263]]);
    const tooLarge = runSide(harness, ir.functions[0]!, entry(5), { shared: new Map() });
    expect(tooLarge.ran ? 'ran' : tooLarge.why).toMatch(/cannot grow to 5 pages/);
  });

  it('put an instance back by restoring what its runs wrote, and answer as fresh instances do', () => {
    // Each run reads 64 bytes around its address, then writes there through one kind of store; a byte a
    // previous run wrote and the reset missed would change a later answer. Atomics need a shared memory.
    const features = FEATURES | binaryen.Features.Atomics;
    const bytes = wat(`(module (memory 2 2 shared) (data (i32.const 100) "\\01\\02\\03\\04")
      (func $sum (param $p i32) (result i32) (local $i i32) (local $s i32)
        (loop $l (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31)) (i32.load8_u (i32.add (local.get $p) (local.get $i)))))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 64))))
        (local.get $s))
      (func $f (export "f") (param $p i32) (param $k i32) (param $v i64) (result i32)
        (local $before i32) (local.set $before (call $sum (local.get $p)))
        (if (i32.eq (local.get $k) (i32.const 0)) (then (i64.store offset=3 (local.get $p) (local.get $v))))
        (if (i32.eq (local.get $k) (i32.const 1)) (then (i32.store16 offset=9 (local.get $p) (i32.wrap_i64 (local.get $v)))))
        (if (i32.eq (local.get $k) (i32.const 2)) (then (v128.store offset=1 (local.get $p) (i64x2.splat (local.get $v)))))
        (if (i32.eq (local.get $k) (i32.const 3)) (then (v128.store8_lane offset=5 0 (local.get $p) (i64x2.splat (local.get $v)))))
        (if (i32.eq (local.get $k) (i32.const 4)) (then (drop (i32.atomic.rmw.add offset=12 (local.get $p) (i32.wrap_i64 (local.get $v))))))
        (if (i32.eq (local.get $k) (i32.const 5)) (then (drop (i64.atomic.rmw.cmpxchg offset=16 (local.get $p) (i64.const 0) (local.get $v)))))
        (if (i32.eq (local.get $k) (i32.const 6)) (then (memory.fill (i32.add (local.get $p) (i32.const 7)) (i32.wrap_i64 (local.get $v)) (i32.const 20))))
        (if (i32.eq (local.get $k) (i32.const 7)) (then (memory.copy (local.get $p) (i32.const 100) (i32.const 30))))
        (local.get $before)))`, features);
    const ir = readIr(bytes, features);
    const f = ir.functions.find((fn) => fn.name === 'f')!;
    const harness = buildHarness(bytes, ir, { features, settable: [] });
    const entry = (i: number) => ({ params: [BigInt(96 + (i % 5) * 4), BigInt(i % 8), 0x0102030405060708n * BigInt(i + 1)], globals: new Map<string, bigint>(), pages: 2, memory: 'image' as const, writes: [], world: null });
    for (let i = 0; i < 40; i++) {
      const reused = runSide(harness, f, entry(i), { shared: new Map() });
      const fresh = runSide(harness, f, entry(i), { shared: new Map(), fresh: true });
      expect(reused.ran && fresh.ran).toBe(true);
      if (!reused.ran || !fresh.ran) return;
      expect(reused.observation.results, `run ${i}`).toEqual(fresh.observation.results);
      expect(Buffer.from(reused.observation.memory!).equals(Buffer.from(fresh.observation.memory!)), `run ${i}`).toBe(true);
    }
  });

  it('record the chunks a run wrote, so that memories are compared there only', () => {
    // A stack at the top and a heap at the bottom: two 64 KiB chunks, not the span between them.
    const bytes = wat(`(module (memory 4) (func $f (export "f") (param i32) (result i32)
      (i32.store offset=8 (local.get 0) (i32.const -1)) (i32.store8 (i32.add (local.get 0) (i32.const 196648)) (i32.const 1)) (i32.const 0)))`);
    const ir = readIr(bytes, FEATURES);
    const harness = buildHarness(bytes, ir, { features: FEATURES, settable: [] });
    const run = runSide(harness, ir.functions[0]!, { params: [1000n], globals: new Map(), pages: 4, memory: 'image', writes: [], world: null }, { shared: new Map() });
    expect(run.ran && run.observation.written).toEqual([[0, 65536], [196608, 262144]]);
  });

  it('are deterministic: the same pair gives the same counterexample', async () => {
    const pair = [fn(ii, '(i32.add (local.get 0) (i32.const 100))'), fn(ii, '(i32.add (local.get 0) (i32.const 101))')] as const;
    const first = await verdictOf(verifier, ...pair);
    const second = await verdictOf(verifier, ...pair);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it('give candidate loop invariants: locals equal at every header visit', () => {
    const loop = (acc: number, counter: number) => `(func $f (export "f") (param i32) (result i32) (local i32 i32)
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get ${counter}) (local.get 0)))
        (local.set ${acc} (i32.add (local.get ${acc}) (local.get ${counter})))
        (local.set ${counter} (i32.add (local.get ${counter}) (i32.const 1)))
        (br $next)))
      (local.get ${acc}))`;
    const base = wat(`(module (memory 1) ${loop(1, 2)})`);
    const candidate = wat(`(module (memory 1) ${loop(2, 1)})`);
    const runs = pairRuns(base, candidate, { trace: true, fuel: 5000 });
    const samples = runs.samples(12);
    expect(samples.length).toBeGreaterThan(0);
    const coupling = observedCoupling(samples, ['i32', 'i32', 'i32'], ['i32', 'i32', 'i32']);
    const same = coupling.get(0)!.filter((c) => c.kind === 'same');
    // n, the accumulator and the counter, each with its renamed partner, and nothing else.
    expect(same).toEqual([{ kind: 'same', a: 0, b: 0 }, { kind: 'same', a: 1, b: 2 }, { kind: 'same', a: 2, b: 1 }]);
  });
});
