import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version in the package.json nearest above `fileUrl` whose name is `name`, or "unknown". The daemon
 * reports versions in `initialize` and `atoll/status`; a client reads them the same way for `--version`,
 * without a daemon.
 */
export function packageVersionNear(fileUrl: string, name: string): string {
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
