import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import type { Certificate, CertificateStore } from '../../src/verify/certificate.js';
import { readSections } from '../../src/wasm/sections.js';
import { wat } from '../unit/verify/pair.js';

const demo = () => new Uint8Array(readFileSync('examples/demo.wasm'));

/** Certificates kept in memory, as the daemon keeps them on disk. */
class MemoryStore implements CertificateStore {
  readonly entries = new Map<string, Certificate>();
  async get(input: string, output: string) {
    return this.entries.get(`${input}:${output}`);
  }
  async set(certificate: Certificate) {
    this.entries.set(`${certificate.input}:${certificate.output}`, certificate);
  }
}

/** Where the last segment's first kept steps are listed (a span's or a pass's), to tamper with. */
function keptSteps(certificate: Certificate): { at: number; kept: Array<[string, string, string]> } {
  const passes = certificate.segments.at(-1)!.passes;
  const at = passes.findIndex((p) => p.span?.kept.length || p.kept?.length);
  return { at, kept: passes[at]!.span?.kept.length ? passes[at]!.span!.kept : passes[at]!.kept! };
}

const firstKept = (certificate: Certificate): [string, string, string] => keptSteps(certificate).kept[0]!;

describe('certificates: the chain of proved steps, re-checked without trusting it', () => {
  let engine: Engine;
  let store: MemoryStore;
  let input: Uint8Array;
  let output: Uint8Array;
  let certificate: Certificate;
  beforeAll(async () => {
    store = new MemoryStore();
    engine = new Engine({ islandThreads: 1, solverThreads: 2, certificates: store });
    input = demo();
    const result = await engine.optimize(input, { islands: 1, generations: 0 });
    output = result.output;
    certificate = result.certificate!;
  });
  afterAll(() => engine.close());

  it('round trip: the certificate of a strict output re-checks, step by step', async () => {
    expect(JSON.parse(JSON.stringify(certificate))).toEqual(certificate);
    const report = await engine.verify(input, output, { certificate: JSON.parse(JSON.stringify(certificate)) });
    expect(report.module.accepted).toBe(true);
    expect(report.module.findings[0]).toMatch(/certificate re-checked: \d+ proved steps/);
    expect(report.totals.unknown + report.totals.refuted).toBe(0);
    expect(report.functions.length).toBeGreaterThan(0);
    for (const f of report.functions) expect(f.steps!.length, f.name).toBeGreaterThan(0);
  });

  it('without --proof, the pair atoll wrote is checked by re-checking the certificate it kept', async () => {
    expect(store.entries.size).toBe(1);
    const report = await engine.verify(input, output);
    expect(report.module).toMatchObject({ accepted: true });
    expect(report.module.findings[0]).toMatch(/certificate re-checked/);
  });

  const tampered: Array<[string, (c: Certificate) => void, RegExp]> = [
    ['a kept body hash edited', (c) => { firstKept(c)[1] = '0'.repeat(64); }, /does not have the body the certificate names/],
    ['a kept step removed', (c) => { keptSteps(c).kept.shift(); }, /does not have the body|does not end with|not a change|changed nothing, but the certificate keeps/],
    // A pass that changed nothing may go unnoticed (the chain still proves the output); one that changed something may not.
    ['a pass removed', (c) => { c.segments.at(-1)!.passes.splice(keptSteps(c).at, 1); }, /pass|body|end/],
    ['a span running past the last pass', (c) => { c.segments.at(-1)!.passes.find((p) => p.span)!.span!.passes = 1e6; }, /runs past the last pass/],
    ['the end hash edited', (c) => { c.segments.at(-1)!.to = '1'.repeat(64); }, /does not end with the module the certificate names/],
    ['the emit list edited', (c) => { c.segments.at(-1)!.optimizedAtEmit = []; }, /final emit/],
    ['made for another output', (c) => { c.output = '2'.repeat(64); }, /another output/],
    ['not a certificate', (c) => { (c as unknown as { format: string }).format = 'something-else'; }, /malformed/],
  ];
  for (const [what, edit, why] of tampered) {
    it(`rejects a certificate with ${what}`, async () => {
      const copy = structuredClone(certificate);
      edit(copy);
      const report = await engine.verify(input, output, { certificate: copy });
      expect(report.module.accepted).toBe(false);
      expect(report.module.findings[0]).toMatch(/^certificate rejected: /);
      expect(report.module.findings[0], report.module.findings[0]).toMatch(why);
    });
  }

  it('re-checks an output written without the data count section binaryen left in (bulk memory, no data instruction)', async () => {
    // An unnamed block -Oz removes, a constant it folds: steps to prove. Bulk memory declared, memory.fill used.
    const kit = wat(`(module (memory (export "memory") 1) (data (i32.const 8) "atoll")
      (func (export "clear") (param $n i32) (block (memory.fill (i32.const 16) (i32.const 0) (i32.add (local.get $n) (i32.const 0))))))`);
    const result = await engine.optimize(kit, { islands: 1, generations: 0, features: ['bulk-memory', 'bulk-memory-opt'] });
    expect(readSections(result.output).some((s) => s.id === 12)).toBe(false);
    const report = await engine.verify(kit, result.output, { certificate: result.certificate!, features: ['bulk-memory', 'bulk-memory-opt'] });
    expect(report.module).toMatchObject({ accepted: true });
    expect(report.module.findings[0]).toMatch(/certificate re-checked/);
  });

  it('rejects a step that was reverted (a planted wrong step) when a certificate claims it', async () => {
    process.env['ATOLL_TEST_HOOKS'] = '1';
    try {
      const planted = await engine.optimize(input, { islands: 1, generations: 0, plantFault: 'scale' });
      const copy = structuredClone(planted.certificate!);
      const first = copy.segments[0]!.passes[0]!;
      expect(first.kept ?? []).toEqual([]);
      // Claim the corrupted step of scale at the first pass was kept: replaying it must refute it again.
      first.kept = [['scale', '3'.repeat(64), 'smt']];
      const report = await engine.verify(input, planted.output, { certificate: copy });
      expect(report.module.accepted).toBe(false);
      expect(report.module.findings[0]).toMatch(/scale/);
    } finally {
      delete process.env['ATOLL_TEST_HOOKS'];
    }
  });

  it('a stored certificate that does not check is reported, and the pair is checked as a whole jump instead', async () => {
    const copy = structuredClone(certificate);
    firstKept(copy)[1] = '4'.repeat(64);
    await store.set(copy);
    try {
      const report = await engine.verify(input, output);
      expect(report.module.findings[0]).toMatch(/did not check .* whole jump/);
      expect(report.totals.changed).toBeGreaterThan(0);
    } finally {
      await store.set(certificate);
    }
  });
});
