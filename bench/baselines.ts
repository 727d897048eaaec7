import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type binaryenNs from 'binaryen';
import { binaryen, emitModule, moduleFromText, readModule } from '../src/wasm/binaryen.js';
import { ALL_DETECTABLE, chooseFeatures } from '../src/wasm/detect-features.js';
import { declaredFeatures, type FeatureName } from '../src/wasm/features.js';
import { ALTERNATIVES, PRESET_LEVELS, type PresetName } from '../src/islands/presets.js';
import { WARM_UP_WAT } from '../src/engine/warm-up-module.js';

const run = promisify(execFile);

export interface BaselineResult {
  bytes: Uint8Array;
  ms: number;
}

/**
 * The features binaryen must use for `bytes`: the ones named, else the target_features section, else the
 * smallest set the module validates with — never more, or binaryen may add instructions the input's
 * hosts do not support.
 */
export function featuresFor(bytes: Uint8Array, override?: readonly string[]): FeatureName[] {
  const module = readModule(bytes, ALL_DETECTABLE);
  try {
    return chooseFeatures(module, declaredFeatures(bytes), override as FeatureName[] | undefined).names;
  } finally {
    module.dispose();
  }
}

/**
 * binaryen.js's result for every alternative (src/islands/presets.ts: `-Oz`, `-Oz ×2`, `-O3 -Oz`, …), each
 * applied in one process as `wasm-opt -O4 -Oz -Oz` applies its presets, emitted as wasm-opt emits (without
 * names). Alternatives that start alike share the work: `-Oz ×2` goes on from `-Oz`'s module; each one's
 * time is the time of all its presets.
 */
export function binaryenAlternatives(bytes: Uint8Array, features?: readonly string[], only?: readonly string[]): Map<string, BaselineResult> {
  const names = featuresFor(bytes, features);
  const results = new Map<string, BaselineResult>();
  const done = new Map<string, { module: binaryenNs.Module; ms: number }>();
  const read = () => {
    const module = readModule(bytes, ALL_DETECTABLE);
    chooseFeatures(module, undefined, names);
    return module;
  };
  try {
    for (const alternative of ALTERNATIVES.filter((a) => !only || only.includes(a.name))) {
      // Go on from the longest prefix already run (the alternatives are listed so that prefixes come first).
      let start = alternative.presets.length;
      while (start > 0 && !done.has(key(alternative.presets.slice(0, start)))) start--;
      const prefix = done.get(key(alternative.presets.slice(0, start)));
      if (prefix) done.delete(key(alternative.presets.slice(0, start)));
      const started = performance.now();
      const module = prefix?.module ?? read();
      for (const preset of alternative.presets.slice(start)) {
        const [optimizeLevel, shrinkLevel] = PRESET_LEVELS[preset];
        binaryen.setOptimizeLevel(optimizeLevel);
        binaryen.setShrinkLevel(shrinkLevel);
        module.optimize();
      }
      const output = emitModule(module, false);
      const ms = (prefix?.ms ?? 0) + performance.now() - started;
      results.set(alternative.name, { bytes: output, ms });
      done.set(key(alternative.presets), { module, ms });
    }
  } finally {
    for (const { module } of done.values()) module.dispose();
  }
  return results;
}

const key = (presets: readonly PresetName[]) => presets.join(' ');

/**
 * One warm binaryen.js -Oz of `bytes`, in ms: the fastest run once `settled` runs in a row found none faster
 * (at most `cap` runs). The first -Oz runs of a module in a process are cold while V8 tiers binaryen up: in a
 * fresh process as-sha256 took 543, 213, 205, 226, 241, 79, 41, 37 … ms, so the fastest of the first five
 * (what this was before) was five times a warm run, and every ratio that divided by it was too small.
 * Time ratios divide by this.
 */
export function warmOzMs(bytes: Uint8Array, features?: readonly string[], settled = 5, cap = 40): number {
  let fastest = Infinity;
  for (let runs = 0, since = 0; runs < cap && since < settled; runs++) {
    const ms = binaryenAlternatives(bytes, features, ['-Oz']).get('-Oz')!.ms;
    since = ms < fastest ? 0 : since + 1;
    fastest = Math.min(fastest, ms);
  }
  return fastest;
}

/** How many strict jobs on warmUpModule a bench runs before it measures atoll. */
export const WARM_UP_JOBS = 4;

/** atoll's warm-up module (src/engine/warm-up-module.ts, what a daemon warms up on) compiled, names kept. */
export function warmUpModule(): Uint8Array {
  return moduleFromText(WARM_UP_WAT);
}

export function warmUpBinaryen(): void {
  binaryenAlternatives(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
}

export interface NativeWasmOpt {
  version: string;
  /** The feature names this wasm-opt accepts as --enable-NAME. */
  features: Set<string>;
}

/** The native wasm-opt on the PATH, or undefined when there is none. */
export async function findNativeWasmOpt(): Promise<NativeWasmOpt | undefined> {
  try {
    const [{ stdout: version }, { stdout: help }] = await Promise.all([
      run('wasm-opt', ['--version']),
      run('wasm-opt', ['--help'], { maxBuffer: 16 << 20 }),
    ]);
    const features = new Set([...help.matchAll(/--enable-([a-z0-9-]+)/g)].map((m) => m[1]!));
    return { version: version.trim(), features };
  } catch {
    return undefined;
  }
}

/**
 * Older wasm-opt releases (Debian 12 ships version 108) name some features differently, and know
 * bulk-memory-opt only as part of bulk-memory (memory.copy and memory.fill).
 */
const OLD_FEATURE_NAMES: Record<string, string> = {
  'nontrapping-fptoint': 'nontrapping-float-to-int',
  'simd128': 'simd',
  'atomics': 'threads',
  'bulk-memory-opt': 'bulk-memory',
};

function nativeFeatureFlags(native: NativeWasmOpt, features: readonly string[]): string[] {
  const names = new Set<string>();
  for (const feature of features) {
    const name = native.features.has(feature) ? feature : OLD_FEATURE_NAMES[feature];
    if (!name || !native.features.has(name)) throw new Error(`${native.version} does not know the feature ${feature}`);
    names.add(name);
  }
  return ['--mvp-features', ...[...names].map((name) => `--enable-${name}`)];
}

/** Native `wasm-opt -Oz` with the same features as binaryen.js' alternatives, timed including process start. */
export async function nativeOz(native: NativeWasmOpt, bytes: Uint8Array, features: readonly string[]): Promise<BaselineResult> {
  const flags = nativeFeatureFlags(native, features);
  const directory = await mkdtemp(join(tmpdir(), 'atoll-bench-'));
  try {
    const input = join(directory, 'in.wasm');
    const output = join(directory, 'out.wasm');
    await writeFile(input, bytes);
    const started = performance.now();
    try {
      await run('wasm-opt', [input, '-Oz', ...flags, '-o', output], { maxBuffer: 64 << 20 });
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
      throw new Error(`wasm-opt failed: ${stderr.split('\n')[0] || (error as Error).message}`);
    }
    const ms = performance.now() - started;
    return { bytes: new Uint8Array(await readFile(output)), ms };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
