import binaryen from 'binaryen';

export { binaryen };
export type BinaryenModule = binaryen.Module;

/**
 * binaryen.js takes the feature set as readBinary's second argument at run time, but its typings do not
 * declare it (they declare a readBinaryWithFeatures that does not exist). Without features a module is read
 * as MVP and modules using sign-ext or bulk memory fail to validate.
 */
const readBinaryWithFeatures = binaryen.readBinary as unknown as (
  bytes: Uint8Array,
  features: number,
) => binaryen.Module;

export function readModule(bytes: Uint8Array, features: number): binaryen.Module {
  const module = readBinaryWithFeatures(bytes, features);
  module.setFeatures(features);
  return module;
}

/** Reads a module, hands it to `use`, and always frees it (the wasm heap never shrinks; leaks add up). */
export function withModule<T>(bytes: Uint8Array, features: number, use: (module: binaryen.Module) => T): T {
  const module = readModule(bytes, features);
  try {
    return use(module);
  } finally {
    module.dispose();
  }
}

/**
 * Emits a module the way `wasm-opt` writes it: stack IR generated and optimized (without it outputs are
 * hundreds of bytes larger than wasm-opt's on large modules). `names` keeps the name section, which the
 * verifier needs to match functions between a base and a candidate. `optimizeStackIR: false` writes every
 * function as it stands: stack IR optimization rewrites all functions at emit, also those meant to stay as
 * they were (bodies whose rewrite by the writer is not proved).
 */
export function emitModule(module: binaryen.Module, names: boolean, optimizeStackIR = true): Uint8Array {
  binaryen.setGenerateStackIR(optimizeStackIR);
  binaryen.setOptimizeStackIR(optimizeStackIR);
  binaryen.setDebugInfo(names);
  return module.emitBinary();
}

/** A module in the text format as binary, names kept; it must validate. */
export function moduleFromText(text: string): Uint8Array {
  const module = binaryen.parseText(text);
  try {
    if (!module.validate()) throw new Error('the module does not validate');
    return emitModule(module, true);
  } finally {
    module.dispose();
  }
}

/** True when an assertion inside binaryen aborted: the heap of this thread can no longer be trusted. */
export function isBinaryenAbort(error: unknown): boolean {
  return error instanceof WebAssembly.RuntimeError && /Aborted\(/.test((error as Error).message);
}

/** binaryen throws non-Error values (numbers, bare objects) for some failures; make them readable. */
export function describeBinaryenError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  // A C++ exception from binaryen's reader arrives as an object with a message beside internal fields.
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
