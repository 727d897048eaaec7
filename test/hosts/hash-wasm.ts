import { readFileSync } from 'node:fs';
import { packageFile, pseudoRandomBytes, requireFromHere, Transcript, type Workload } from './host.js';

type Data = Uint8Array | string;
interface Hasher {
  init(): Hasher;
  update(data: Data): Hasher;
  digest(): string;
}
interface HashWasm {
  sha256(data: Data): Promise<string>;
  createSHA256(): Promise<Hasher>;
  blake3(data: Data, bits?: number, key?: Data): Promise<string>;
  createBLAKE3(bits?: number, key?: Data): Promise<Hasher>;
  crc32(data: Data, polynomial?: number): Promise<string>;
  argon2id(options: {
    password: Data;
    salt: Data;
    parallelism: number;
    iterations: number;
    memorySize: number;
    hashLength: number;
    outputType: 'hex';
  }): Promise<string>;
}

/** hash-wasm inlines each module as base64 in its bundle; the bytes are read from there, not rebuilt. */
function embeddedModule(algorithm: string): Uint8Array {
  const bundle = readFileSync(packageFile('hash-wasm'), 'utf8');
  const match = new RegExp(`var name(\\$\\w+)? = "${algorithm}";\\s*var data\\1 = "([A-Za-z0-9+/=]+)"`).exec(bundle);
  if (!match) throw new Error(`hash-wasm's bundle has no embedded module named ${algorithm}`);
  return new Uint8Array(Buffer.from(match[2]!, 'base64'));
}

/** Feeds `data` in uneven chunks, so the module's buffering across update calls is exercised. */
function streamed(hasher: Hasher, data: Uint8Array): string {
  hasher.init();
  for (let offset = 0, step = 1; offset < data.length; offset += step, step = (step * 7 + 3) % 9973) {
    hasher.update(data.subarray(offset, offset + step));
  }
  return hasher.digest();
}

const abc = 'abc';
const large = () => pseudoRandomBytes(3 << 20, 5);

function hashWasmWorkload(algorithm: string, exercise: (h: HashWasm, out: Transcript) => Promise<void>): Workload {
  return {
    name: `hash-wasm-${algorithm}`,
    source: `hash-wasm@4.13.0 dist/index.umd.js (embedded ${algorithm})`,
    sizeClass: 'small',
    original: () => Promise.resolve(embeddedModule(algorithm)),
    async transcript() {
      const out = new Transcript();
      await exercise(requireFromHere('hash-wasm') as HashWasm, out);
      return out.toString();
    },
  };
}

export const hashWasmSha256 = hashWasmWorkload('sha256', async (h, out) => {
  out.add('abc', await h.sha256(abc));
  out.add('empty', await h.sha256(''));
  out.add('448 bits', await h.sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'));
  for (const length of [63, 64, 65, 4095]) out.add(`random ${length}`, await h.sha256(pseudoRandomBytes(length, length)));
  out.add('streamed 3 MiB', streamed(await h.createSHA256(), large()));
});

export const hashWasmBlake3 = hashWasmWorkload('blake3', async (h, out) => {
  out.add('abc', await h.blake3(abc));
  out.add('empty', await h.blake3(''));
  out.add('abc 512 bits', await h.blake3(abc, 512));
  out.add('keyed', await h.blake3(abc, 256, pseudoRandomBytes(32, 9)));
  for (const length of [1023, 1024, 1025, 65_537]) out.add(`random ${length}`, await h.blake3(pseudoRandomBytes(length, length)));
  out.add('streamed 3 MiB', streamed(await h.createBLAKE3(), large()));
});

export const hashWasmCrc32 = hashWasmWorkload('crc32', async (h, out) => {
  out.add('abc', await h.crc32(abc));
  out.add('123456789', await h.crc32('123456789'));
  out.add('123456789 castagnoli', await h.crc32('123456789', 0x82f63b78));
  out.add('random 3 MiB', await h.crc32(large()));
});

export const hashWasmArgon2 = hashWasmWorkload('argon2', async (h, out) => {
  for (const [iterations, memorySize, parallelism] of [[2, 64, 1], [3, 256, 2], [1, 1024, 4]] as const) {
    const digest = await h.argon2id({
      password: 'correct horse battery staple',
      salt: pseudoRandomBytes(16, iterations),
      parallelism,
      iterations,
      memorySize,
      hashLength: 32,
      outputType: 'hex',
    });
    out.add(`argon2id t=${iterations} m=${memorySize} p=${parallelism}`, digest);
  }
});
