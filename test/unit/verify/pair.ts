import { binaryen, readModule } from '../../../src/wasm/binaryen.js';
import { extractModule } from '../../../src/wasm/ir.js';
import type { PairSide } from '../../../src/verify/checker.js';
import { ModuleContext } from '../../../src/verify/context.js';
import { Verifier, type VerifyModulesOptions } from '../../../src/verify/index.js';
import type { Verdict, VerifyReport } from '../../../src/protocol/report.js';

/** Features the test modules may use. */
export const FEATURES = binaryen.Features.MutableGlobals | binaryen.Features.SignExt | binaryen.Features.BulkMemory |
  binaryen.Features.BulkMemoryOpt | binaryen.Features.NontrappingFPToInt | binaryen.Features.SIMD;

/** A module in text form, emitted with names, as the verifier receives modules. */
export function wat(text: string, features = FEATURES): Uint8Array {
  const module = binaryen.parseText(text);
  try {
    module.setFeatures(features);
    binaryen.setDebugInfo(true);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

/** A module around `body`: a memory, two mutable globals, an import, and helpers to call. */
export function moduleWith(funcs: string): string {
  return `(module
    (import "env" "ext" (func $ext (param i32) (result i32)))
    (memory 1 4)
    (global $g (mut i32) (i32.const 0))
    (global $h (mut i64) (i64.const 0))
    (global $k i32 (i32.const 42))
    (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (export "f" (func $f))
    ${funcs})`;
}

export async function verdictOf(verifier: Verifier, base: string, candidate: string, name = 'f', options: Partial<VerifyModulesOptions> = {}): Promise<Verdict> {
  const report = await verifyPair(verifier, base, candidate, name, options);
  const fn = report.functions.find((f) => f.name === name);
  if (!fn) throw new Error(`no verdict for ${name}`);
  return fn.verdict;
}

export function verifyPair(verifier: Verifier, base: string, candidate: string, name?: string, options: Partial<VerifyModulesOptions> = {}): Promise<VerifyReport> {
  return verifier.verifyModules(wat(moduleWith(base)), wat(moduleWith(candidate)), { featureFlags: FEATURES, ...(name ? { only: [name] } : {}), ...options });
}

/** Check options that turn runs off: what the solver alone decides (its models are still replayed). */
export const SOLVER_ONLY: Partial<VerifyModulesOptions> = { runs: { before: 0, after: 0 } };

/** `(func $f (param ...) (result ...) BODY)` */
export const fn = (signature: string, body: string) => `(func $f ${signature} ${body})`;

/** Function `$f` of a module around `funcs` (moduleWith), as one side of a pair for checkPair. */
export function pairSide(funcs: string): PairSide {
  const bytes = wat(moduleWith(funcs));
  const module = readModule(bytes, FEATURES);
  try {
    const ir = extractModule(binaryen, module);
    return { fn: ir.functions.find((f) => f.name === 'f')!, ctx: new ModuleContext(ir), bytes: () => bytes };
  } finally {
    module.dispose();
  }
}
