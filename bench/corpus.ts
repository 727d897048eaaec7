import { readFileSync } from 'node:fs';
import { FEATURE_FLAGS } from '../src/wasm/features.js';

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
