/**
 * The value graph against itself: `npm run build && npm run bench:graph-self [--larger] [modules…]`. Every
 * defined function of each module is encoded as a pair with itself, graph only (no z3, no runs), and must
 * meet on every observable: a function that does not is a gap in the graph's normal forms or loop matching
 * that no optimizer caused, and every pass step of that function pays for it (z3, or a revert in strict
 * mode). Pipelines never ask this (identical bodies are equal by hash), which is why it needs a bench.
 * Reports, per module, the functions that do not meet with their size, time and unsettled observables.
 */
import { ModuleContext } from '../src/verify/context.js';
import { encodeFunctionPair, observables } from '../src/verify/encode/query.js';
import { Builder } from '../src/verify/graph/build.js';
import { Graph, GraphWork } from '../src/verify/graph/terms.js';
import { binaryen, readModule } from '../src/wasm/binaryen.js';
import { extractModule } from '../src/wasm/ir.js';
import { nameEveryFunctionAndGlobal } from '../src/wasm/names.js';
import { BENCH_FEATURES, LARGER_MODULES, SMALL_MODULES, readCorpusModule } from './corpus.js';

/** Bounds on one function's graph (as the checker's): a function past them is listed as such. */
const TERM_CAP = 2_000_000;
const ENCODING_MS = 30_000;

const args = process.argv.slice(2);
const larger = args.includes('--larger');
const named = args.filter((a) => a !== '--larger');
const modules = named.length ? named : [...SMALL_MODULES, ...(larger ? LARGER_MODULES : [])];

let total = 0;
let unmet = 0;
for (const spec of modules) {
  const module = readModule(nameEveryFunctionAndGlobal(readCorpusModule(spec)), BENCH_FEATURES);
  const ir = (() => {
    try {
      return extractModule(binaryen, module);
    } finally {
      module.dispose();
    }
  })();
  const ctx = new ModuleContext(ir);
  const misses: string[] = [];
  let defined = 0;
  for (const fn of ir.functions) {
    if (fn.imported || !fn.body) continue;
    defined++;
    const started = performance.now();
    let left: string;
    try {
      const encoding = encodeFunctionPair(fn, fn, ctx, ctx, { kind: 'graph' }, new Builder(new Graph({ maxTerms: TERM_CAP, work: new GraphWork(Infinity), deadline: performance.now() + ENCODING_MS })));
      left = observables(encoding.shared, encoding.a, encoding.b).map((o) => o.name).join(', ');
    } catch (error) {
      left = `not encoded: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (left) misses.push(`  ${fn.name} (${fn.size} expressions, ${Math.round(performance.now() - started)} ms): ${left}`);
  }
  total += defined;
  unmet += misses.length;
  process.stdout.write(`${spec}: ${defined - misses.length} of ${defined} functions equal to themselves by the graph\n${misses.join('\n')}${misses.length ? '\n' : ''}`);
}
process.stdout.write(`all: ${total - unmet} of ${total}\n`);
