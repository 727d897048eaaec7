import { sha256Hex } from './host.js';

type Compile = (bytes: WebAssembly.BufferSource) => Promise<WebAssembly.Module>;
type Instantiate = (
  source: WebAssembly.BufferSource | WebAssembly.Module,
  imports?: WebAssembly.Imports,
) => Promise<unknown>;

function viewOf(source: WebAssembly.BufferSource): Uint8Array {
  return ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : new Uint8Array(source);
}

/**
 * Routes every module a package compiles through `swap` while `use` runs: a package that reads its own
 * bytes (from a file, a base64 string, an inlined array) then compiles the replacement instead. Records the
 * sha256 of every module actually compiled, so a caller can prove that the bytes it meant to test ran —
 * a workload that quietly kept the original module would otherwise make every comparison pass.
 *
 * `swap` maps the sha256 of bytes being compiled to the bytes to compile instead (or undefined to keep them).
 */
export async function interceptCompilation<T>(
  swap: (sha256: string) => Uint8Array | undefined,
  use: () => Promise<T>,
): Promise<{ result: T; compiled: string[] }> {
  // The WebAssembly namespace is declared with function and class members, which TypeScript will not let
  // us reassign; the record view is the one place that patches them.
  const api = WebAssembly as unknown as Record<'Module' | 'compile' | 'instantiate', unknown>;
  const originals = { Module: api.Module, compile: api.compile, instantiate: api.instantiate };
  const OriginalModule = WebAssembly.Module;
  const originalCompile = WebAssembly.compile as Compile;
  const originalInstantiate = WebAssembly.instantiate as Instantiate;
  const compiled: string[] = [];
  const route = (source: WebAssembly.BufferSource): WebAssembly.BufferSource => {
    const hash = sha256Hex(viewOf(source));
    const replacement = swap(hash);
    compiled.push(replacement ? sha256Hex(replacement) : hash);
    return replacement ?? source;
  };
  // A subclass that keeps the static helpers (customSections, exports, imports); `instanceof` must also hold
  // for modules that WebAssembly.compile makes, which are instances of the original class only.
  api.Module = class extends OriginalModule {
    constructor(bytes: WebAssembly.BufferSource) {
      super(route(bytes));
    }

    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof OriginalModule;
    }
  };
  api.compile = (bytes: WebAssembly.BufferSource) => originalCompile(route(bytes));
  api.instantiate = (source: WebAssembly.BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) =>
    originalInstantiate(source instanceof OriginalModule ? source : route(source), imports);
  try {
    return { result: await use(), compiled };
  } finally {
    Object.assign(api, originals);
  }
}
