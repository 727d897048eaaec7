import { existsSync, readFileSync } from 'node:fs';
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

export interface Versions {
  atoll: string;
  binaryen: string;
  z3: string;
}

let cached: Versions | undefined;

/** Versions that decide output bytes and verdicts: part of every cache key. */
export function versions(): Versions {
  cached ??= {
    atoll: versionNear(import.meta.url, 'atoll'),
    binaryen: versionNear(import.meta.resolve('binaryen'), 'binaryen'),
    z3: versionNear(import.meta.resolve('z3-solver'), 'z3-solver'),
  };
  return cached;
}
