import { pseudoRandomBytes, shippedModule, Transcript, type Workload } from './host.js';

interface AsSha256 {
  reinitializeInstance(useSimd?: boolean): void;
  readonly simdEnabled: boolean;
  digest(data: Uint8Array): Uint8Array;
  digest64(data: Uint8Array): Uint8Array;
  digest2Bytes32(a: Uint8Array, b: Uint8Array): Uint8Array;
  SHA256: new () => { init(): unknown; update(data: Uint8Array): unknown; final(): Uint8Array };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** @chainsafe/as-sha256: SHA-256 in AssemblyScript; the scalar module (the package picks SIMD when it can). */
export const asSha256: Workload = {
  name: 'as-sha256',
  sizeClass: 'small',
  ...shippedModule('@chainsafe/as-sha256', 'build/optimized.wasm'),
  async transcript() {
    const sha = (await import('@chainsafe/as-sha256')) as unknown as AsSha256;
    // The package instantiated its SIMD module on import; this compiles the scalar one, the one tested.
    sha.reinitializeInstance(false);
    const out = new Transcript();
    out.add('simd', sha.simdEnabled);
    out.add('abc', hex(sha.digest(new TextEncoder().encode('abc'))));
    out.add('empty', hex(sha.digest(new Uint8Array(0))));
    const block = pseudoRandomBytes(64, 7);
    out.add('digest64', hex(sha.digest64(block)));
    out.add('digest2Bytes32', hex(sha.digest2Bytes32(block.subarray(0, 32), block.subarray(32))));
    for (const length of [55, 56, 63, 65, 1000, 70_000]) {
      out.add(`digest ${length}`, hex(sha.digest(pseudoRandomBytes(length, length))));
    }
    const streaming = new sha.SHA256();
    streaming.init();
    const data = pseudoRandomBytes(200_003, 3);
    for (let offset = 0; offset < data.length; offset += 777) streaming.update(data.subarray(offset, offset + 777));
    out.add('streaming', hex(streaming.final()));
    return out.toString();
  },
};
