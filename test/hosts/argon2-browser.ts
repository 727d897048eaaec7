import { pseudoRandomBytes, requireFromHere, shippedModule, Transcript, type Workload } from './host.js';

type Data = string | Uint8Array;
interface HashParams {
  pass: Data;
  salt: Data;
  time: number;
  /** KiB */
  mem: number;
  parallelism: number;
  hashLen: number;
  type: number;
  secret?: Uint8Array;
  ad?: Uint8Array;
}
interface Argon2Browser {
  ArgonType: { Argon2d: number; Argon2i: number; Argon2id: number };
  hash(params: HashParams): Promise<{ hashHex: string; encoded: string }>;
  verify(params: { pass: Data; encoded: string; secret?: Uint8Array; ad?: Uint8Array }): Promise<unknown>;
}
/** What the package rejects with: argon2's own error code and message. */
interface Argon2Failure {
  code: number;
  message: string;
}

/** RFC 9106 §5.3: the Argon2id test vector's inputs (its tag is checked in hosts-small.test.ts). */
const RFC9106_ARGON2ID = {
  pass: new Uint8Array(32).fill(0x01),
  salt: new Uint8Array(16).fill(0x02),
  secret: new Uint8Array(8).fill(0x03),
  ad: new Uint8Array(12).fill(0x04),
  time: 3,
  mem: 32,
  parallelism: 4,
  hashLen: 32,
};

/** A rejection as a transcript value; anything that is not argon2's own error is a failure of the run. */
function failure(error: unknown): string {
  const { code, message } = (error ?? {}) as Partial<Argon2Failure>;
  if (typeof code !== 'number') throw error;
  return `error ${code}: ${String(message)}`;
}

/**
 * argon2-browser: the Argon2 reference C code built with Emscripten (a funcref table, an element segment
 * and 20 data segments), loaded by its own glue, which reads dist/argon2.wasm from disk.
 */
export const argon2Browser: Workload = {
  name: 'argon2-browser',
  sizeClass: 'small',
  ...shippedModule('argon2-browser', 'dist/argon2.wasm'),
  async transcript() {
    // The glue (Emscripten 2.x) prefers `fetch` when it exists, which in Node ≥ 18 it does — and a file
    // path is no URL, so loading aborts. Without fetch it reads the file and calls WebAssembly.instantiate,
    // as it did on the Node versions it was built for.
    const fetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
    Reflect.deleteProperty(globalThis, 'fetch');
    try {
      const argon2 = requireFromHere('argon2-browser') as Argon2Browser;
      const { Argon2d, Argon2i, Argon2id } = argon2.ArgonType;
      const out = new Transcript();
      const record = async (label: string, params: HashParams) => {
        const { hashHex, encoded } = await argon2.hash(params);
        out.add(label, { hashHex, encoded });
        return encoded;
      };

      await record('rfc9106 argon2id', { ...RFC9106_ARGON2ID, type: Argon2id });
      const password = 'correct horse battery staple';
      const sets: Array<[string, number, number, number, number, number]> = [
        // label, type, time, mem (KiB), parallelism, hashLen
        ['argon2d', Argon2d, 1, 64, 1, 16],
        ['argon2i', Argon2i, 3, 256, 2, 32],
        ['argon2id', Argon2id, 2, 1024, 4, 64],
        ['argon2d', Argon2d, 2, 4096, 3, 24],
        // More than the 16 MiB the module starts with: the heap grows through the imported resize.
        ['argon2id', Argon2id, 1, 20 * 1024, 1, 32],
      ];
      for (const [label, type, time, mem, parallelism, hashLen] of sets) {
        const salt = pseudoRandomBytes(16, time * 7919 + mem);
        await record(`${label} t=${time} m=${mem} p=${parallelism} len=${hashLen}`, { pass: password, salt, time, mem, parallelism, hashLen, type });
      }
      const keyed = { secret: pseudoRandomBytes(32, 3), ad: pseudoRandomBytes(20, 4) };
      const encoded = await record('argon2i keyed with ad', {
        pass: pseudoRandomBytes(100, 2),
        salt: 'a salt of some length',
        time: 2,
        mem: 128,
        parallelism: 2,
        hashLen: 40,
        type: Argon2i,
        ...keyed,
      });

      const plain = await record('argon2id default-shaped', { pass: password, salt: 'somesalt', time: 1, mem: 1024, parallelism: 1, hashLen: 24, type: Argon2id });
      out.add('verify right password', await argon2.verify({ pass: password, encoded: plain }).then(() => 'ok', failure));
      out.add('verify wrong password', await argon2.verify({ pass: 'wrong', encoded: plain }).then(() => 'ok', failure));
      out.add('verify keyed', await argon2.verify({ pass: pseudoRandomBytes(100, 2), encoded, ...keyed }).then(() => 'ok', failure));
      const shortSalt = { pass: password, salt: 'short', time: 1, mem: 64, parallelism: 1, hashLen: 32, type: Argon2d };
      out.add('salt too short', await argon2.hash(shortSalt).then(() => 'ok', failure));
      return out.toString();
    } finally {
      if (fetch) Object.defineProperty(globalThis, 'fetch', fetch);
    }
  },
};
