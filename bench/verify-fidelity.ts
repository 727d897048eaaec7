/**
 * Encoder fidelity at scale (design §2, guard 2): `npm run build && node dist/bench/verify-fidelity.js
 * [--evaluations N]` (default 100 000). Evaluates the value graph of generated functions and of every
 * evaluable function of the small corpus modules on random inputs, each against V8 (see
 * test/integration/fidelity.ts). Prints the counts; any mismatch is printed and makes the exit code 1.
 */
import { readFileSync } from 'node:fs';
import { Prng } from '../src/util/prng.js';
import { binaryen } from '../src/wasm/binaryen.js';
import { FEATURE_FLAGS } from '../src/wasm/features.js';
import { fidelity, type FidelityStats } from '../test/integration/fidelity.js';
import { generatedModule } from '../test/integration/verify-generator.js';

const features = FEATURE_FLAGS['mutable-globals'] | FEATURE_FLAGS['sign-ext'] | FEATURE_FLAGS['bulk-memory'] |
  FEATURE_FLAGS['bulk-memory-opt'] | FEATURE_FLAGS['nontrapping-fptoint'];
const at = process.argv.indexOf('--evaluations');
const target = at >= 0 ? Number(process.argv[at + 1]) : 100_000;
const CORPUS = ['node_modules/@chainsafe/as-sha256/build/optimized.wasm', 'node_modules/rabin-wasm/dist/rabin.wasm'];

function assemble(text: string): Uint8Array {
  const module = binaryen.parseText(text);
  try {
    module.setFeatures(features);
    binaryen.setDebugInfo(true);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

const total: FidelityStats = { functions: 0, skipped: 0, evaluations: 0, mismatches: [] };
const started = performance.now();
const add = (what: string, s: FidelityStats) => {
  for (const key of ['functions', 'skipped', 'evaluations'] as const) total[key] += s[key];
  total.mismatches.push(...s.mismatches);
  process.stderr.write(`\r  ${total.evaluations} evaluations (${what})      `);
};
for (const path of CORPUS) add(path, fidelity(new Uint8Array(readFileSync(path)), { features, perFunction: 200, seed: 1 }));
for (let seed = 1; total.evaluations < target; seed++) {
  add(`generated module ${seed}`, fidelity(assemble(generatedModule(new Prng(1000 + seed), 40)), { features, perFunction: 50, seed }));
}
console.log(`\nfidelity: ${total.evaluations} evaluations of ${total.functions} functions' value graphs against V8 (${total.skipped} not evaluable); ${Math.round((performance.now() - started) / 1000)} s`);
console.log(`  graph vs V8: ${total.mismatches.length} mismatches`);
for (const line of total.mismatches.slice(0, 20)) console.log(`  ${line.slice(0, 600)}`);
process.exitCode = total.mismatches.length > 0 ? 1 : 0;
