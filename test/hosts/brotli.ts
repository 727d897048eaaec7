import { pseudoRandomBytes, requireFromHere, shippedModule, Transcript, type Workload } from './host.js';

interface Brotli {
  compress(data: Uint8Array, options?: { quality?: number }): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
}

/** Inputs that compress differently: text with repetition, random bytes, a run, and nothing at all. */
function inputs(): Array<[string, Uint8Array]> {
  const text = Array.from({ length: 3000 }, (_, i) => `line ${i}: the quick brown fox ${i % 17} jumps\n`).join('');
  return [
    ['text', new TextEncoder().encode(text)],
    ['random', pseudoRandomBytes(100_000, 21)],
    ['run', new Uint8Array(200_000).fill(97)],
    ['empty', new Uint8Array(0)],
  ];
}

/** brotli-wasm: Google's brotli in Rust (wasm-bindgen); the package compiles its own file at require time. */
export const brotli: Workload = {
  name: 'brotli',
  sizeClass: 'large',
  ...shippedModule('brotli-wasm', 'pkg.node/brotli_wasm_bg.wasm'),
  async transcript() {
    const { compress, decompress } = requireFromHere('brotli-wasm') as Brotli;
    const out = new Transcript();
    for (const [name, data] of inputs()) {
      for (const quality of [1, 6, 11]) {
        const compressed = compress(data, { quality });
        out.addBytes(`${name} q${quality} compressed`, compressed);
        out.add(`${name} q${quality} round trip`, Buffer.from(decompress(compressed)).equals(data));
      }
    }
    return out.toString();
  },
};
