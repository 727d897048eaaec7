import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { binaryen, emitModule, readModule } from '../src/wasm/binaryen.js';
import { ALL_DETECTABLE, chooseFeatures } from '../src/wasm/detect-features.js';
import { declaredFeatures, type FeatureName } from '../src/wasm/features.js';

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

/** binaryen.js's `-Oz` (optimize level 2, shrink level 2), emitted as wasm-opt emits, without names. */
export function binaryenOz(bytes: Uint8Array, features?: readonly string[]): BaselineResult {
  const started = performance.now();
  const names = featuresFor(bytes, features);
  const module = readModule(bytes, ALL_DETECTABLE);
  try {
    chooseFeatures(module, undefined, names);
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(2);
    module.optimize();
    const output = emitModule(module, false);
    return { bytes: output, ms: performance.now() - started };
  } finally {
    module.dispose();
  }
}

/** The installed native wasm-opt's version line, or undefined when there is none on the PATH. */
export async function nativeWasmOptVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('wasm-opt', ['--version']);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** Native `wasm-opt -Oz` with the same features as binaryenOz, timed including process start. */
export async function nativeOz(bytes: Uint8Array, features: readonly string[]): Promise<BaselineResult> {
  const directory = await mkdtemp(join(tmpdir(), 'atoll-bench-'));
  try {
    const input = join(directory, 'in.wasm');
    const output = join(directory, 'out.wasm');
    await writeFile(input, bytes);
    const flags = ['--mvp-features', ...features.map((name) => `--enable-${name}`)];
    const started = performance.now();
    await run('wasm-opt', [input, '-Oz', ...flags, '-o', output], { maxBuffer: 64 << 20 });
    const ms = performance.now() - started;
    return { bytes: new Uint8Array(await readFile(output)), ms };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
