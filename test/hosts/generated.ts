import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASI } from 'node:wasi';
import { pseudoRandomBytes, Transcript, type SizeClass, type Workload } from './host.js';

/** The repository's test/fixtures, found from this file in test/hosts or in dist/test/hosts. */
function fixturesDirectory(): string {
  const candidates = ['../fixtures', '../../../test/fixtures'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((c) => existsSync(join(c, 'c'))) ?? candidates[0]!;
}

/** A module built by scripts/build-corpus.sh: present only after that script ran on this machine. */
function generatedModule(file: string): Pick<Workload, 'unavailable' | 'original'> {
  const path = () => join(fixturesDirectory(), 'generated', file);
  return {
    unavailable: () =>
      existsSync(path()) ? undefined : `test/fixtures/generated/${file} is missing: run scripts/build-corpus.sh`,
    original: async () => new Uint8Array(readFileSync(path())),
  };
}

/** Runs a WASI command module to completion and returns its exit code and standard output. */
async function runWasiCommand(bytes: Uint8Array, args: string[], preopens: Record<string, string>) {
  const directory = mkdtempSync(join(tmpdir(), 'atoll-wasi-'));
  const stdoutPath = join(directory, 'stdout');
  const stdout = openSync(stdoutPath, 'w');
  try {
    const wasi = new WASI({ version: 'preview1', args, env: {}, preopens, stdout, returnOnExit: true });
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
    const exitCode = wasi.start(instance);
    closeSync(stdout);
    return { exitCode, stdout: readFileSync(stdoutPath, 'utf8') };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function sqliteBuild(level: 'O0' | 'O2', sizeClass: SizeClass): Workload {
  return {
    name: `sqlite-wasi-${level}`,
    source: `SQLite 3 amalgamation (better-sqlite3@12.11.1 deps/sqlite3) + test/fixtures/c/sqlite-driver.c, clang -${level}`,
    sizeClass,
    ...generatedModule(`sqlite-${level}.wasm`),
    async transcript(bytes) {
      const fixtures = fixturesDirectory();
      const result = await runWasiCommand(bytes, ['sqlite-driver', '/fixtures/sqlite-workload.sql'], {
        '/fixtures': join(fixtures, 'c'),
      });
      const out = new Transcript();
      out.add('exit', result.exitCode);
      out.add('stdout', result.stdout);
      return out.toString();
    },
  };
}

export const sqliteO0 = sqliteBuild('O0', 'large');
export const sqliteO2 = sqliteBuild('O2', 'large');

interface Kit {
  memory: WebAssembly.Memory;
  buffer(): number;
  capacity(): number;
  crc32(length: number): number;
  sortU32(count: number): void;
  countPrimes(limit: number): number;
  collatz(limit: number): bigint;
  runLengthEncode(length: number): number;
}

/** test/fixtures/as/kit.ts built with `asc --optimizeLevel 0`: CRC-32, heap sort, sieve, Collatz, RLE. */
export const assemblyScriptKit: Workload = {
  name: 'as-kit-O0',
  source: 'test/fixtures/as/kit.ts, asc 0.28.20 --optimizeLevel 0',
  sizeClass: 'small',
  // asc writes no target_features section; these are the features it enables by default.
  features: ['bulk-memory', 'nontrapping-fptoint', 'sign-ext', 'mutable-globals'],
  ...generatedModule('as-kit-O0.wasm'),
  async transcript(bytes) {
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, {
      env: {
        abort: () => {
          throw new Error('AssemblyScript abort');
        },
      },
    });
    const kit = (instance as WebAssembly.Instance).exports as unknown as Kit;
    const view = () => new Uint8Array(kit.memory.buffer, kit.buffer(), kit.capacity());
    const out = new Transcript();
    view().set(pseudoRandomBytes(300_000, 17));
    out.add('crc32 random', (kit.crc32(300_000) >>> 0).toString(16));
    view().set(new TextEncoder().encode('123456789'));
    out.add('crc32 check', (kit.crc32(9) >>> 0).toString(16));
    view().set(pseudoRandomBytes(40_000 * 4, 23));
    kit.sortU32(40_000);
    out.addBytes('sorted', view().slice(0, 40_000 * 4));
    out.add('primes below 1e6', kit.countPrimes(1_000_000));
    out.add('collatz below 100000', kit.collatz(100_000).toString());
    const runs = new Uint8Array(100_000).map((_, i) => Math.floor(i / 37) % 3);
    view().set(runs);
    const encoded = kit.runLengthEncode(runs.length);
    out.add('rle length', encoded);
    out.addBytes('rle', view().slice(kit.capacity() / 2, kit.capacity() / 2 + encoded));
    return out.toString();
  },
};
