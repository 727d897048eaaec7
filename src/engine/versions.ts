import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { packageVersionNear as versionNear } from '../protocol/versions.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A digest of atoll's own code (the src/ tree this file belongs to), so that a cached result computed by
 * other code is never served, even when the package version did not change (a development build, a local
 * patch). Computed once per process; about a hundred small files.
 */
function codeDigest(): string {
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const hash = createHash('sha256');
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (/\.(js|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) hash.update(path.slice(root.length)).update(readFileSync(path));
    }
  };
  visit(root);
  return hash.digest('hex').slice(0, 12);
}

export interface Versions {
  atoll: string;
  binaryen: string;
  z3: string;
}

let cached: Versions | undefined;

/** Versions that decide output bytes and verdicts: part of every cache key. */
export function versions(): Versions {
  cached ??= {
    atoll: `${versionNear(import.meta.url, 'atoll')}+${codeDigest()}`,
    binaryen: versionNear(import.meta.resolve('binaryen'), 'binaryen'),
    z3: versionNear(import.meta.resolve('z3-solver'), 'z3-solver'),
  };
  return cached;
}
