/**
 * Encoder fidelity at scale (design §2, guard 2): `npm run build && node dist/bench/verify-fidelity.js
 * [--evaluations N]` (default 100 000). Evaluates the SMT encoding of generated functions and of every
 * evaluable function of the small corpus modules on random inputs, each against V8 (see
 * test/integration/fidelity.ts), and a sample (1 in 500) also with z3 to check the evaluator. Prints the
 * counts; any mismatch is printed and makes the exit code 1.
 */
import { readFileSync } from 'node:fs';
import { SolverPool } from '../src/verify/solver-pool.js';
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

const pool = new SolverPool(1);
await pool.warmUp();
const total: FidelityStats = { functions: 0, skipped: 0, evaluations: 0, byZ3: 0, mismatches: [], evaluatorMismatches: [] };
const started = performance.now();
const add = (what: string, s: FidelityStats) => {
  for (const key of ['functions', 'skipped', 'evaluations', 'byZ3'] as const) total[key] += s[key];
  total.mismatches.push(...s.mismatches);
  total.evaluatorMismatches.push(...s.evaluatorMismatches);
  process.stderr.write(`\r  ${total.evaluations} evaluations (${what})      `);
};
for (const path of CORPUS) add(path, await fidelity(new Uint8Array(readFileSync(path)), { features, perFunction: 200, seed: 1, z3Every: 500, pool }));
for (let seed = 1; total.evaluations < target; seed++) {
  add(`generated module ${seed}`, await fidelity(assemble(generatedModule(new Prng(1000 + seed), 40)), { features, perFunction: 50, seed, z3Every: 500, pool }));
}
await pool.close();
console.log(`\nfidelity: ${total.evaluations} evaluations of ${total.functions} functions against V8 (${total.skipped} not evaluable), ${total.byZ3} also by z3; ${Math.round((performance.now() - started) / 1000)} s`);
console.log(`  encoding vs V8: ${total.mismatches.length} mismatches; evaluator vs z3: ${total.evaluatorMismatches.length} mismatches`);
for (const line of [...total.mismatches, ...total.evaluatorMismatches].slice(0, 20)) console.log(`  ${line.slice(0, 600)}`);
process.exitCode = total.mismatches.length + total.evaluatorMismatches.length > 0 ? 1 : 0;
