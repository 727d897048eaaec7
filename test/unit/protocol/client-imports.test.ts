import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'out' ? [] : sourceFiles(path);
      return /\.(ts|js|mjs|lua)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
    }),
  );
  return nested.flat();
}

describe('clients', () => {
  it('import nothing of src/ but src/protocol/', async () => {
    const files = await sourceFiles(join(ROOT, 'clients'));
    expect(files.length).toBeGreaterThan(0);
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)) {
        const specifier = match[1]!;
        if (!specifier.startsWith('.')) continue;
        const target = relative(ROOT, resolve(file, '..', specifier));
        if (target.startsWith('src/') && !target.startsWith('src/protocol/')) offenders.push(`${relative(ROOT, file)} → ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
