import type { OptimizeReport, PassStepTotals, SearchStrategy, VerifyReport } from '../src/protocol/report.js';
import { readSections } from '../src/wasm/sections.js';
import type { Host } from '../test/hosts/index.js';
import { ALTERNATIVES } from '../src/islands/presets.js';
import { binaryenAlternatives, featuresFor, nativeOz, warmOzMs, type NativeWasmOpt } from './baselines.js';
import { peakRssBytes, resetPeakRss } from './peak-rss.js';

export interface Size {
  bytes: number;
  /** The code section's payload: the part optimizers actually change, without names and data. */
  codeBytes: number;
}
export interface Measured extends Size {
  ms: number;
}
export type Outcome<T> = { ok: T } | { error: string };

/** One point of atoll's search: the best module so far after a generation, and when it was reached. */
export interface CurvePoint {
  generation: number;
  ms: number;
  bytes: number;
}
export interface AtollMeasured extends Measured {
  verify: string;
  verifiedStatus: string;
  /** Percent of changed functions proved, when the engine verified. */
  coverage?: number;
  /** Time spent proving, when the engine verified. */
  verifyMs?: number;
  /** strict mode: bytes given up because changes could not be proved (the engine's proofTax). */
  proofTaxBytes?: number;
  /** (function, pass) steps of every checked run of the job, and how many were proved. */
  steps?: number;
  stepsProved?: number;
  /** Per pass, summed over the job's checked runs (the table the next verifier work is chosen from). */
  passSteps?: PassStepTotals[];
  /** `atoll verify IN OUT` of this output right after (0 ok, 3 refuted, 4 incomplete), and how long it took. */
  verifyPair?: { exit: number; ms: number; finding: string };
  /** Peak resident memory of the process running atoll (the daemon with --daemon) during this run, MiB. */
  peakRssMb?: number;
  /** The engine's first strict run of this module (its proofs then forgotten), when `ms` is the second's. */
  firstRunMs?: number;
  curve: CurvePoint[];
}
/** `pass`: same transcript as the original module; `fail`: a different one; otherwise the error. */
export type Differential = 'pass' | 'fail' | `error: ${string}`;

export interface ModuleResult {
  name: string;
  source: string;
  sizeClass: string;
  features: string[];
  input: Size;
  binaryenOz: Outcome<Measured>;
  /** binaryen.js on each alternative of src/islands/presets.ts (`-Oz` among them), in that order. */
  alternatives: Array<{ name: string; result: Outcome<Measured> }>;
  nativeOz: Outcome<Measured>;
  atoll: Outcome<AtollMeasured>;
  /** Default settings with verification off: what the search found before any proof. */
  atollSearch: Outcome<Measured>;
  /** Multi-start, verification off: compared with atollSearch it shows what migration adds. */
  atollMultiStart: Outcome<Measured>;
  differential: { atoll?: Differential; search?: Differential; multiStart?: Differential };
}

export interface AtollOptimizer {
  /** The process atoll runs in (default: this one), for its peak memory. */
  pid?(): Promise<number>;
  optimize(
    bytes: Uint8Array,
    options: { multiStart?: boolean; generations?: number; strategy?: SearchStrategy; features?: string[]; verify?: 'off' },
  ): Promise<{
    output: Uint8Array;
    report: OptimizeReport;
  }>;
  verify?(base: Uint8Array, candidate: Uint8Array, options: { features?: string[] }): Promise<VerifyReport>;
  /**
   * Forgets every proof the optimizer holds, so that its next run proves everything afresh. Where it exists the
   * bench runs strict mode twice and measures the second run (see measureModule); a daemon's disk cache has none.
   */
  forgetProofs?(): void;
}

/** The CLI's exit code for a verify report (clients/cli/commands/verify.ts). */
function verifyExit(report: VerifyReport): number {
  if (report.totals.refuted > 0) return 3;
  return report.totals.unknown > 0 || !report.module.accepted ? 4 : 0;
}

export function sizeOf(bytes: Uint8Array): Size {
  const code = readSections(bytes).find((s) => s.id === 10);
  return { bytes: bytes.length, codeBytes: code?.payload.length ?? 0 };
}

async function attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: await work() };
  } catch (error) {
    return { error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

/** Cumulative time and best size per generation; islands run in parallel, so a generation costs its slowest. */
function searchCurve(report: OptimizeReport): CurvePoint[] {
  const byGeneration = new Map<number, { ms: number; bytes: number }>();
  for (const record of report.history) {
    const entry = byGeneration.get(record.generation) ?? { ms: 0, bytes: Infinity };
    byGeneration.set(record.generation, { ms: Math.max(entry.ms, record.ms), bytes: Math.min(entry.bytes, record.bestSize) });
  }
  let elapsed = report.timeMs.ingest;
  return [...byGeneration.entries()]
    .sort(([a], [b]) => a - b)
    .map(([generation, { ms, bytes }]) => ({ generation, ms: (elapsed += ms), bytes }));
}

async function differential(host: Host, expected: Outcome<string>, bytes: Uint8Array): Promise<Differential> {
  if ('error' in expected) return `error: the original module's workload failed: ${expected.error}`;
  const actual = await attempt(() => host.run(bytes));
  if ('error' in actual) return `error: ${actual.error}`;
  return actual.ok === expected.ok ? 'pass' : 'fail';
}

/** The original module's transcript, run twice: a workload that varies by itself would blame the optimizer. */
async function deterministicTranscript(host: Host, bytes: Uint8Array): Promise<Outcome<string>> {
  const [first, second] = [await attempt(() => host.run(bytes)), await attempt(() => host.run(bytes))];
  if ('ok' in first && 'ok' in second && first.ok !== second.ok) {
    return { error: 'the workload is not deterministic: two runs of the original module differ' };
  }
  return first;
}

/**
 * Measures one module: its size, binaryen.js on every alternative (-Oz, -Oz ×2, …), native wasm-opt -Oz,
 * atoll (strict, search with verification off, multi-start), and runs the host's workload on atoll's outputs
 * against the original's transcript.
 */
export async function measureModule(
  host: Host,
  atoll: AtollOptimizer | undefined,
  options: {
    native: NativeWasmOpt | undefined;
    generations: number | undefined;
    strategy: SearchStrategy | undefined;
    noStrict: boolean;
    log: (line: string) => void;
  },
): Promise<ModuleResult> {
  const bytes = await host.original();
  const features = featuresFor(bytes, host.features);
  const overrides = host.features ? { features: [...host.features] } : {};
  const generations = {
    ...(options.generations === undefined ? {} : { generations: options.generations }),
    ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
  };
  options.log(`${host.name}: ${bytes.length} bytes, features ${features.join(', ') || 'mvp'}`);

  const measured = await attempt(async () => ({ all: binaryenAlternatives(bytes, host.features), warmOz: warmOzMs(bytes, host.features) }));
  const alternatives = ALTERNATIVES.map(({ name }) => {
    if ('error' in measured) return { name, result: measured };
    const result = measured.ok.all.get(name)!;
    // -Oz's time is what ratios divide by: a warm run's (warmOzMs), not the module's first, cold one.
    return { name, result: { ok: { ...sizeOf(result.bytes), ms: name === '-Oz' ? measured.ok.warmOz : result.ms } } };
  });
  const oz = alternatives.find((a) => a.name === '-Oz')!.result;
  options.log(`  binaryen.js alternatives done: ${alternatives.map((a) => `${a.name} ${'ok' in a.result ? a.result.ok.bytes : '—'}`).join(', ')}`);
  const nativeWasmOpt = options.native;
  const native = nativeWasmOpt
    ? await attempt(async () => {
        const result = await nativeOz(nativeWasmOpt, bytes, features);
        return { ...sizeOf(result.bytes), ms: result.ms };
      })
    : { error: 'native wasm-opt is not installed (scripts/ensure-system-deps.sh)' };
  options.log(`  native wasm-opt -Oz done`);

  const unavailable = { error: 'engine not available' };
  let atollOutput: Uint8Array | undefined;
  let searchOutput: Uint8Array | undefined;
  let multiStartOutput: Uint8Array | undefined;
  const atollResult: Outcome<AtollMeasured> = !atoll
    ? unavailable
    : options.noStrict
      ? { error: 'not run (--no-strict)' }
      : await attempt(async () => {
          // -Oz's time is a warm run's (V8 has tiered binaryen up on this module), so atoll's is too: its first
          // run of the module compiles the checker's paths for the module's shapes (as-sha256 after the warm-up
          // jobs: ~1.6× its second run), then every proof is forgotten and the measured run proves from nothing.
          let firstRunMs: number | undefined;
          if (atoll.forgetProofs) {
            const first = performance.now();
            await atoll.optimize(bytes, { ...overrides, ...generations });
            firstRunMs = performance.now() - first;
            atoll.forgetProofs();
          }
          const pid = atoll.pid ? await atoll.pid() : process.pid;
          const measuresPeak = resetPeakRss(pid);
          const started = performance.now();
          const { output, report } = await atoll.optimize(bytes, { ...overrides, ...generations });
          const ms = performance.now() - started;
          const peak = measuresPeak ? peakRssBytes(pid) : undefined;
          atollOutput = output;
          const verification = report.verification;
          const passSteps = report.passSteps;
          const verifyPair = atoll.verify && report.settings.verify === 'strict'
            ? await attempt(async () => {
                const t = performance.now();
                const checked = await atoll.verify!(bytes, output, overrides);
                return { exit: verifyExit(checked), ms: performance.now() - t, finding: checked.module.findings[0] ?? '' };
              })
            : undefined;
          return {
            ...sizeOf(output),
            ms,
            verify: report.settings.verify,
            verifiedStatus: report.verifiedStatus,
            ...(verification ? { coverage: verification.totals.coverage, verifyMs: report.timeMs.verify } : {}),
            ...(report.proofTax === undefined ? {} : { proofTaxBytes: report.proofTax }),
            ...(peak === undefined ? {} : { peakRssMb: Math.round(peak / 1024 / 1024) }),
            ...(firstRunMs === undefined ? {} : { firstRunMs }),
            ...(passSteps
              ? { passSteps, steps: passSteps.reduce((n, p) => n + p.steps, 0), stepsProved: passSteps.reduce((n, p) => n + p.proved, 0) }
              : {}),
            ...(verifyPair && 'ok' in verifyPair ? { verifyPair: verifyPair.ok } : verifyPair ? { verifyPair: { exit: 1, ms: 0, finding: verifyPair.error } } : {}),
            curve: searchCurve(report),
          };
        });
  options.log(`  atoll done${'ok' in atollResult && atollResult.ok.peakRssMb !== undefined ? `, peak RSS ${atollResult.ok.peakRssMb} MiB` : ''}`);
  const unverified = async (multiStartRun: boolean): Promise<Outcome<Measured>> =>
    !atoll
      ? unavailable
      : attempt(async () => {
          const started = performance.now();
          const { output } = await atoll.optimize(bytes, { ...overrides, ...generations, verify: 'off', ...(multiStartRun ? { multiStart: true } : {}) });
          if (multiStartRun) multiStartOutput = output;
          else searchOutput = output;
          return { ...sizeOf(output), ms: performance.now() - started };
        });
  const search = await unverified(false);
  options.log(`  atoll search (verify off) done`);
  const multiStart = await unverified(true);
  options.log(`  atoll multi-start done`);

  const checks: ModuleResult['differential'] = {};
  if (atollOutput || searchOutput || multiStartOutput) {
    const expected = await deterministicTranscript(host, bytes);
    if (atollOutput) checks.atoll = await differential(host, expected, atollOutput);
    if (searchOutput) checks.search = await differential(host, expected, searchOutput);
    if (multiStartOutput) checks.multiStart = await differential(host, expected, multiStartOutput);
    options.log(`  differential: atoll ${checks.atoll ?? '-'}, search ${checks.search ?? '-'}, multi-start ${checks.multiStart ?? '-'}`);
  }
  return {
    name: host.name,
    source: host.source,
    sizeClass: host.sizeClass,
    features,
    input: sizeOf(bytes),
    binaryenOz: oz,
    alternatives,
    nativeOz: native,
    atoll: atollResult,
    atollSearch: search,
    atollMultiStart: multiStart,
    differential: checks,
  };
}
