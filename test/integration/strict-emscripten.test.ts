import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { OptimizeReport } from '../../src/protocol/report.js';
import { binaryen, withModule } from '../../src/wasm/binaryen.js';
import { ALL_DETECTABLE } from '../../src/wasm/detect-features.js';
import { extractModule, functionHash, type IrModule } from '../../src/wasm/ir.js';
import { nameEveryFunctionAndGlobal } from '../../src/wasm/names.js';
import { readSections } from '../../src/wasm/sections.js';
import { namedFunctionCount } from '../../src/verify/names.js';
import { sha256Hex } from '../hosts/host.js';
import { hostNamed } from '../hosts/index.js';

const PAGE = 65536;

/**
 * The module's IR with every function named `fn<index>`, as the engine names them at ingest: the report's
 * names then denote the same functions, and call targets and table slots compare across the two modules.
 */
function namedIr(bytes: Uint8Array): IrModule {
  return withModule(nameEveryFunctionAndGlobal(bytes), ALL_DETECTABLE, (module) => extractModule(binaryen, module));
}

/** Linear memory as instantiation leaves it: every active segment copied to its offset; passive ones by hash. */
function initialMemory(ir: IrModule): { image: Uint8Array; passive: string[] } {
  const image = new Uint8Array(ir.memory!.initial * PAGE);
  const passive: string[] = [];
  for (const segment of ir.data) {
    if (segment.unreadable || (!segment.passive && segment.offset === undefined)) {
      throw new Error(`data segment ${segment.name} has no constant offset: its place in memory is unknown`);
    }
    if (segment.passive) passive.push(sha256Hex(segment.bytes));
    else image.set(segment.bytes, segment.offset!);
  }
  return { image, passive };
}

/** The module without its name section: what the engine writes when names are not kept. */
function withoutNames(bytes: Uint8Array): Uint8Array {
  const sections = readSections(bytes);
  const names = sections.findIndex((s) => s.id === 0 && s.name === 'name');
  if (names < 0) return bytes;
  const end = sections[names + 1]?.start ?? bytes.length;
  return new Uint8Array([...bytes.subarray(0, sections[names]!.start), ...bytes.subarray(end)]);
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  return a.findIndex((byte, i) => byte !== b[i]);
}

/** Imports as the host sees them: where from, what kind, and for functions the signature. */
function imports(ir: IrModule): string[] {
  return [
    ...ir.functions.filter((f) => f.imported).map((f) => `function ${f.imported!.module}.${f.imported!.base} (${f.params}) -> (${f.results})`),
    ...ir.globals.filter((g) => g.imported).map((g) => `global ${g.imported!.module}.${g.imported!.base} ${g.type} mutable=${g.mutable}`),
    ...ir.tables.filter((t) => t.imported).map((t) => `table ${t.imported!.module}.${t.imported!.base}`),
    ...(ir.memory?.imported ? [`memory ${ir.memory.imported.module}.${ir.memory.imported.base}`] : []),
  ];
}

/**
 * Strict mode on an Emscripten module with a table, an element segment and many data segments: the output
 * may change function bodies only where each change is proved, and everything around them — table, slots,
 * memory image, imports, exports — must keep its meaning. argon2-browser's own workload then decides.
 */
describe('strict mode on an Emscripten module with tables and data segments (argon2-browser)', () => {
  const host = hostNamed('argon2-browser');
  let engine: Engine;
  let input: Uint8Array;
  let output: Uint8Array;
  let report: OptimizeReport;
  let before: IrModule;
  let after: IrModule;
  let proved: Set<string>;
  let changed: string[];

  beforeAll(async () => {
    // One island, generation 0 running the -Oz alternative only (binaryen's -Oz applied pass by pass, every
    // step checked) and a 1.5 s solver timeout, to stay within a test's time on 2 cores (every alternative
    // proved took over 15 minutes here). Timeouts only send steps back, never prove one.
    engine = new Engine({ islandThreads: 2, solverThreads: 2, stepTimeoutMs: 1500, alternatives: ['-Oz'] });
    input = await host.original();
    // Names kept: the output's name section is what ties its functions to the input's (and to the report's
    // names) — a function whose step went back may be added anew, so function indices shift. keepNames
    // changes nothing else: the engine emits one module with or without that section.
    ({ output, report } = await engine.optimize(input, { islands: 1, generations: 0, seed: 1, keepNames: true }));
    before = namedIr(input);
    after = namedIr(output);
    proved = new Set(report.verification!.functions.filter((f) => f.verdict.status === 'proved').map((f) => f.name));
    const baseHashes = new Map(before.functions.map((f) => [f.name, functionHash(f)]));
    changed = after.functions.filter((f) => baseHashes.has(f.name) && baseHashes.get(f.name) !== functionHash(f)).map((f) => f.name);
    // Minutes with today's checker on 2 cores, more when other jobs share them.
  }, 900_000);
  afterAll(async () => {
    await engine?.close();
  });

  it('the input is what this test is about: a funcref table, an element segment, 20 data segments', () => {
    expect(before.tables).toHaveLength(1);
    expect(before.elements.length).toBeGreaterThan(0);
    expect(before.elements.flatMap((e) => e.functions).length).toBeGreaterThan(0);
    expect(before.data).toHaveLength(20);
  });

  it('runs in strict mode and writes a smaller module than its input', () => {
    expect(report.settings.verify).toBe('strict');
    expect(report.verifiedStatus).toBe('proved');
    expect(report.verification!.module.accepted).toBe(true);
    expect(sha256Hex(output)).not.toBe(sha256Hex(input));
    expect(withoutNames(output).length).toBeLessThan(input.length);
    expect(WebAssembly.validate(withoutNames(output))).toBe(true);
    expect(WebAssembly.validate(output)).toBe(true);
  });

  it('puts every (function, pass) step in exactly one bucket, and proves some', () => {
    for (const p of report.passSteps!) {
      expect(p.proved + p.keptUnproved + p.reverted, p.pass).toBe(p.steps);
      expect(p.keptUnproved, p.pass).toBe(0);
    }
    expect(report.passSteps!.reduce((n, p) => n + p.proved, 0)).toBeGreaterThan(0);
    // In strict mode what the output holds is proved; the steps that went back are reported, with why.
    for (const f of report.verification!.functions) expect(f.verdict.status, f.name).toBe('proved');
    for (const f of report.rejected ?? []) expect(f.verdict.status, f.name).not.toBe('proved');
    for (const step of report.unprovedSteps ?? []) expect(step.verdict.status === 'proved' ? step.why : 'reason', step.function).toBeTruthy();
  });

  it('holds only proved changes: every function whose body differs from the input is one the report proved', () => {
    // Every function of the output carries its name, so functions pair with the input's by name.
    expect(namedFunctionCount(output)).toBe(after.functions.length);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((name) => !proved.has(name)), 'changed in the output, not proved by the report').toEqual([]);
    // The report may list as proved a function that ends as in the input (measured: 15 on argon2-browser, whose
    // chains come back to the input's body — the writer's rewrite written back, a pass undoing another's
    // change, or an assembly taking the input's body). Such a claim must still rest on a chain of checked steps.
    const present = new Set(after.functions.map((f) => f.name));
    const withoutChain = report.verification!.functions.filter((f) => f.verdict.status === 'proved' && f.verdict.method !== 'identical' && present.has(f.name) && !changed.includes(f.name) && !(f.steps?.length));
    expect(withoutChain.map((f) => f.name)).toEqual([]);
  });

  it('keeps the table and its slots: same limits, same functions in the same slots, each unchanged or proved', () => {
    expect(after.tables).toEqual(before.tables);
    expect(after.elements).toEqual(before.elements);
    const unchanged = new Set(before.functions.map((f) => f.name).filter((name) => !changed.includes(name)));
    for (const slot of after.elements.flatMap((e) => e.functions)) {
      expect(unchanged.has(slot) || proved.has(slot), `table slot ${slot} is neither unchanged nor proved`).toBe(true);
    }
  });

  it('lays out a byte-identical initial memory image', () => {
    expect(after.memory).toEqual(before.memory);
    const original = initialMemory(before);
    const optimized = initialMemory(after);
    expect(original.image.some((byte) => byte !== 0)).toBe(true);
    expect(firstDifference(optimized.image, original.image)).toBe(-1);
    expect(optimized.passive).toEqual(original.passive);
  });

  it('keeps every import and export with its name and kind', () => {
    // As a set: reorder-functions (the assembly's cleanup, a checked module step) may reorder imported
    // functions, which are resolved by module and name.
    expect(imports(after).sort()).toEqual(imports(before).sort());
    expect(imports(before)).toHaveLength(2);
    expect(after.exports).toEqual(before.exports);
    expect(after.start).toBe(before.start);
  });

  it("computes what the input computes in argon2-browser's own workload", async () => {
    const [expected, actual, unnamed] = await Promise.all([host.run(input), host.run(output), host.run(withoutNames(output))]);
    expect(expected).toContain('rfc9106 argon2id');
    expect(actual).toBe(expected);
    expect(unnamed).toBe(expected);
  });
});
