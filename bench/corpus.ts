import { readFileSync } from 'node:fs';
import { defaultPipelinePasses } from '../src/islands/presets.js';
import { binaryen, readModule } from '../src/wasm/binaryen.js';
import { FEATURE_FLAGS } from '../src/wasm/features.js';
import { extractModule, functionHash, type IrFunction, type IrModule } from '../src/wasm/ir.js';
import { nameEveryFunctionAndGlobal } from '../src/wasm/names.js';

/**
 * Corpus modules for the checker benches, by path or as `hash-wasm:<algorithm>` (hash-wasm ships its modules
 * as base64 inside its bundle). See /work/shared/reference/corpus.md for where each comes from.
 */

export const SMALL_MODULES = [
  'node_modules/rabin-wasm/dist/rabin.wasm',
  'node_modules/@chainsafe/as-sha256/build/optimized.wasm',
  'hash-wasm:sha256',
  'hash-wasm:blake3',
  'hash-wasm:crc32',
  'hash-wasm:argon2',
  'hash-wasm:bcrypt',
];

export const LARGER_MODULES = [
  'node_modules/vscode-oniguruma/release/onig.wasm',
  'node_modules/web-tree-sitter/web-tree-sitter.wasm',
  'node_modules/@wasm-fmt/gofmt/gofmt.wasm',
];

/** The features the benches read modules with (what the corpus modules use). */
export const BENCH_FEATURES = FEATURE_FLAGS['mutable-globals'] | FEATURE_FLAGS['sign-ext'] | FEATURE_FLAGS['bulk-memory'] |
  FEATURE_FLAGS['bulk-memory-opt'] | FEATURE_FLAGS['nontrapping-fptoint'];

export function readCorpusModule(spec: string): Uint8Array {
  const embedded = /^hash-wasm:(\w+)$/.exec(spec);
  if (!embedded) return new Uint8Array(readFileSync(spec));
  const bundle = readFileSync('node_modules/hash-wasm/dist/index.umd.js', 'utf8');
  const match = new RegExp(`var name(\\$\\w+)? = "${embedded[1]}";\\s*var data\\1 = "([A-Za-z0-9+/=]+)"`).exec(bundle);
  if (!match) throw new Error(`hash-wasm's bundle has no embedded module named ${embedded[1]}`);
  return new Uint8Array(Buffer.from(match[2]!, 'base64'));
}

/** One (function, pass) step: the function before and after the pass, and both modules. */
export interface Step {
  pass: string;
  before: { ir: IrModule; fn: IrFunction; bytes: Uint8Array };
  after: { ir: IrModule; fn: IrFunction; bytes: Uint8Array };
}

/**
 * Applies binaryen's -Oz to a module as its explicit passes (defaultPipelinePasses(2, 2)), one at a time,
 * and hands over every function whose body a pass changed (names kept, so functions pair by name).
 */
export async function forEachStep(bytes: Uint8Array, visit: (step: Step) => Promise<void>): Promise<void> {
  const module = readModule(nameEveryFunctionAndGlobal(bytes), BENCH_FEATURES);
  try {
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(2);
    binaryen.setDebugInfo(true);
    let before = extractModule(binaryen, module);
    let beforeBytes = module.emitBinary();
    for (const pass of defaultPipelinePasses(2, 2)) {
      module.runPasses([pass]);
      const after = extractModule(binaryen, module);
      const afterBytes = module.emitBinary();
      const hashes = new Map(before.functions.map((f) => [f.name, functionHash(f)]));
      for (const fn of after.functions) {
        if (!fn.body || !hashes.has(fn.name) || hashes.get(fn.name) === functionHash(fn)) continue;
        await visit({
          pass,
          before: { ir: before, fn: before.functions.find((f) => f.name === fn.name)!, bytes: beforeBytes },
          after: { ir: after, fn, bytes: afterBytes },
        });
      }
      before = after;
      beforeBytes = afterBytes;
    }
  } finally {
    module.dispose();
  }
}
