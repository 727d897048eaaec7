// Assembles the bundled example(s) in examples/*.wat into .wasm with binaryen (names kept), so the
// Quick start needs nothing but `npm ci`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import binaryen from 'binaryen';

const dir = new URL('../examples/', import.meta.url).pathname;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
  const module = binaryen.parseText(readFileSync(join(dir, file), 'utf8'));
  if (!module.validate()) throw new Error(`${file} does not validate`);
  binaryen.setDebugInfo(true);
  writeFileSync(join(dir, file.replace(/\.wat$/, '.wasm')), module.emitBinary());
  module.dispose();
}
