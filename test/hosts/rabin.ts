import { pseudoRandomBytes, requireFromHere, shippedModule, Transcript, type Workload } from './host.js';

interface RabinPackage {
  create(bits: number, min: number, max: number, windowSize: number): Promise<{
    fingerprint(data: Uint8Array): Int32Array;
  }>;
}

/** rabin-wasm: content-defined chunking (Rabin fingerprints) in AssemblyScript, as IPFS uses it. */
export const rabin: Workload = {
  name: 'rabin',
  sizeClass: 'small',
  ...shippedModule('rabin-wasm', 'dist/rabin.wasm'),
  async transcript() {
    const { create } = requireFromHere('rabin-wasm') as RabinPackage;
    const out = new Transcript();
    const data = pseudoRandomBytes(1 << 20, 11);
    // Parameter sets: the package's default shape, small chunks, and a short window.
    const settings: Array<[number, number, number, number]> = [
      [12, 8 * 1024, 32 * 1024, 64],
      [8, 128, 1024, 32],
      [10, 512, 4096, 16],
    ];
    for (const [bits, min, max, window] of settings) {
      const chunker = await create(bits, min, max, window);
      const lengths = Array.from(chunker.fingerprint(data));
      out.add(`chunks ${bits}/${min}/${max}/${window}`, lengths);
    }
    return out.toString();
  },
};
