import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * A real workload of a package that ships WebAssembly, runnable with other bytes in place of the package's
 * own module: the differential tests and the bench compare the transcript of the original module with the
 * transcript of an optimized one.
 */
export type SizeClass = 'small' | 'medium' | 'large';

export interface Workload {
  name: string;
  /** Where the original bytes come from (package and path), for reports. */
  source: string;
  sizeClass: SizeClass;
  /** Features to read the module with when it declares none (AssemblyScript output has no target_features). */
  features?: string[];
  /** Why the module cannot be had on this machine (a corpus build not run), or undefined when it can. */
  unavailable?(): string | undefined;
  /** The original module bytes, as the package ships them. */
  original(): Promise<Uint8Array>;
  /**
   * Runs the package's workload on `bytes` in the current context and returns a deterministic transcript
   * of its outputs. Called only inside a fresh worker (see isolated.ts): packages cache their instances.
   */
  transcript(bytes: Uint8Array): Promise<string>;
}

export interface Host extends Omit<Workload, 'transcript'> {
  /** The transcript of `bytes`, computed in a fresh worker thread; rejects when the workload fails. */
  run(bytes: Uint8Array): Promise<string>;
}

export const requireFromHere = createRequire(import.meta.url);

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A file inside an installed package, found where node would find the package. Not `require.resolve` of
 * the file itself: packages with an `exports` map refuse subpaths they do not list (brotli-wasm's .wasm).
 */
export function packageFile(specifier: string): string {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const subpath = parts.slice(nameLength);
  if (subpath.length === 0) return requireFromHere.resolve(name);
  for (const directory of requireFromHere.resolve.paths(name) ?? []) {
    const candidate = join(directory, name, ...subpath);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${specifier} is not installed (run npm ci)`);
}

export function readPackageFile(specifier: string): Promise<Uint8Array> {
  return Promise.resolve(new Uint8Array(readFileSync(packageFile(specifier))));
}

/** The module a package ships at `path`: where it comes from (with the installed version) and its bytes. */
export function shippedModule(pkg: string, path: string): Pick<Workload, 'source' | 'original'> {
  const { version } = JSON.parse(readFileSync(packageFile(`${pkg}/package.json`), 'utf8')) as { version: string };
  return { source: `${pkg}@${version} ${path}`, original: () => readPackageFile(`${pkg}/${path}`) };
}

/**
 * Deterministic pseudo-random bytes (xorshift32): workloads need inputs larger than test vectors that are
 * the same on every run without shipping fixtures.
 */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}

/** Collects transcript lines; values are JSON so that no two different outputs print alike. */
export class Transcript {
  private readonly lines: string[] = [];

  add(label: string, value: unknown): void {
    this.lines.push(`${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }

  /** Large outputs enter as a length and a hash, so transcripts stay small. */
  addBytes(label: string, bytes: Uint8Array): void {
    this.lines.push(`${label}: ${bytes.length} bytes sha256 ${sha256Hex(bytes)}`);
  }

  toString(): string {
    return this.lines.join('\n');
  }
}
