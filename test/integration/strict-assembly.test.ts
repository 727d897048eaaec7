import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versions } from '../../src/engine/versions.js';
import type { Verdict } from '../../src/protocol/report.js';
import { CERTIFICATE_FORMAT, type Certificate } from '../../src/verify/certificate.js';
import { Verifier } from '../../src/verify/index.js';
import { jobVerdicts } from '../../src/verify/proof-cache.js';
import { sha256 } from '../../src/wasm/ingest.js';
import { DEFAULT_KNOBS } from '../../src/islands/genome.js';
import { BinaryenPool } from '../../src/workers/binaryen-pool.js';
import { ASSEMBLE_PASS, ASSEMBLY_CLEANUP, type EvaluateResult } from '../../src/workers/binaryen-tasks.js';
import type { WorkerServices } from '../../src/workers/services.js';
import { FEATURES, wat } from '../unit/verify/pair.js';

/**
 * Per-function assembly in strict mode is a checked step (islands/archipelago.ts, assembleChampion): every
 * body it takes from a donor is proved against the champion's body it replaces, or goes back; the step is a
 * certificate segment that `verify --proof` replays from the donors it carries, trusting none of them.
 */
const module = (f: string, g: string) => `(module
  (memory 1)
  (func $f (export "f") (param i32) (result i32) ${f})
  (func $g (export "g") (param i32) (result i32) ${g}))`;

const inputF = '(i32.add (i32.mul (local.get 0) (i32.const 2)) (i32.mul (i32.const 0) (local.get 0)))';
const g = '(i32.sub (local.get 0) (i32.const 1))';
const input = module(inputF, g);
// The champion: f partly simplified, g as in the input.
const champion = module('(i32.add (i32.mul (local.get 0) (i32.const 2)) (i32.const 0))', g);
// A donor with a smaller f that computes the same, and one with a smaller g that does not (a miscompile).
const goodDonor = module('(i32.shl (local.get 0) (i32.const 1))', g);
const wrongDonor = module(inputF, '(local.get 0)');

let pool: BinaryenPool;
let verifier: Verifier;
let services: WorkerServices;
let z3Version: string;
beforeAll(async () => {
  pool = new BinaryenPool({ threads: 1 });
  verifier = new Verifier({ threads: 2 });
  await verifier.warmUp();
  z3Version = await verifier.z3Version();
  const verdicts = jobVerdicts(undefined, new Map<string, Verdict>());
  services = { solve: (query) => verifier.solve(query), proofGet: (key) => verdicts.get(key), proofSet: (key, verdict) => verdicts.set(key, verdict) };
});
afterAll(async () => {
  await pool.close();
  await verifier.close();
});

const named = async (text: string) => (await pool.ingest({ bytes: wat(text), declared: undefined, override: undefined })).named;

function transcript(bytes: Uint8Array): string[] {
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<string, (x: number) => number>;
  return ['f', 'g'].flatMap((name) => [0, 1, 7, -3, 100000].map((x) => `${name}(${x}) = ${exports[name]!(x)}`));
}

describe('per-function assembly in strict mode', () => {
  let base: Uint8Array;
  let result: Extract<EvaluateResult, { ok: true }>;
  beforeAll(async () => {
    base = await named(champion);
    const evaluated = await pool.evaluate({
      base,
      flags: FEATURES,
      genome: { kind: 'refine', passes: [ASSEMBLE_PASS, ...ASSEMBLY_CLEANUP], knobs: { ...DEFAULT_KNOBS } },
      objective: 'size',
      assembly: { input: await named(input), donors: [await named(goodDonor), await named(wrongDonor)] },
      checks: { mode: 'strict', z3Version, concurrency: 4, services },
    });
    if (!evaluated.ok) throw new Error(evaluated.error);
    result = evaluated;
  });

  it('keeps a donor body proved against the champion body it replaces, and reverts a wrong one', () => {
    const assembleSteps = result.proof!.proved.filter((s) => s.pass === ASSEMBLE_PASS);
    expect(assembleSteps.map((s) => s.function)).toEqual(['f']);
    const reverted = result.proof!.unproved.filter((s) => s.pass === ASSEMBLE_PASS);
    expect(reverted.map((s) => [s.function, s.verdict.status])).toEqual([['g', 'refuted']]);
    expect(result.assembled).toEqual({ bodies: 1, donors: 1 });
    expect(result.stripped.length).toBeLessThan(wat(champion).length);
    expect(transcript(result.stripped)).toEqual(transcript(wat(input)));
  });

  it('records the step with only the donor that gave a kept body', () => {
    const step = result.proof!.segment.passes.find((p) => p.pass === ASSEMBLE_PASS)!;
    expect(step.kept!.map(([name]) => name)).toEqual(['f']);
    expect(step.donors).toHaveLength(1);
  });

  /** A certificate of the step alone, from the champion (its input) to the assembled module. */
  const certificateOf = (edit?: (c: Certificate) => void): Certificate => {
    const v = versions();
    const certificate: Certificate = {
      format: CERTIFICATE_FORMAT,
      versions: { atoll: v.atoll, binaryen: v.binaryen },
      features: FEATURES,
      input: sha256(base),
      output: sha256(result.named),
      keepNames: true,
      segments: [structuredClone(result.proof!.segment)],
    };
    edit?.(certificate);
    return certificate;
  };
  const check = (certificate: Certificate) =>
    pool.checkCertificate({ input: base, output: result.named, certificate, versions: versions(), z3Version, concurrency: 4, services });

  it('its certificate segment replays: the carried donor is rebuilt into the same body and proved again', async () => {
    const checked = await check(certificateOf());
    expect(checked.reason).toBeUndefined();
    expect(checked.accepted).toBe(true);
    expect(checked.functions.find((f) => f.name === 'f')!.steps.map((s) => s.pass)).toContain(ASSEMBLE_PASS);
  });

  it('a certificate whose donor was swapped for another module is rejected, not believed', async () => {
    const wrong = Buffer.from(await named(wrongDonor)).toString('base64');
    const checked = await check(certificateOf((c) => (c.segments[0]!.passes.find((p) => p.pass === ASSEMBLE_PASS)!.donors = [wrong])));
    expect(checked.accepted).toBe(false);
    expect(checked.reason).toMatch(/assemble.*f/);
  });
});
