import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version in the package.json nearest above `fileUrl` whose name is `name`. */
function versionNear(fileUrl: string, name: string): string {
  let dir = dirname(fileURLToPath(fileUrl));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === name && parsed.version) return parsed.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

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
