import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComponentVersions } from '../protocol/lifecycle.js';

/** Walks up from a file to the package.json of the named package. */
function packageVersion(fromFile: string, name: string): string {
  let dir = dirname(fromFile);
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === name && manifest.version) return manifest.version;
    } catch {
      // no package.json at this level: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package.json of ${name} above ${fromFile}`);
    dir = parent;
  }
}

let versions: ComponentVersions | undefined;

/** The versions of atoll, binaryen and z3-solver as installed; they decide output bytes and verdicts. */
export function componentVersions(): ComponentVersions {
  versions ??= {
    atoll: packageVersion(fileURLToPath(import.meta.url), 'atoll'),
    binaryen: packageVersion(fileURLToPath(import.meta.resolve('binaryen')), 'binaryen'),
    z3: packageVersion(fileURLToPath(import.meta.resolve('z3-solver')), 'z3-solver'),
  };
  return versions;
}
