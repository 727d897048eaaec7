/**
 * Watch-mode figures, after `npm run build`: node dist/bench/watch.js [--json] [--generations N] [--no-quick] [--edits N]
 * For each medium module, through a real stdio daemon watching a temp folder (strict verification, a fresh
 * cache, pools warmed by the daemon's own idle warm-up), the time from the start of a write to the watch result:
 * - cold: the module is new (nothing cached);
 * - one function changed: one i32 constant of one function body edited (withOneFunctionChanged); its quick
 *   answer (the cold build's output patched, or its pipeline replayed; no search) has a row of its own
 *   before the final one; then the same constant edited again, `--edits` times in all (default 5), the
 *   later edits by their median (a watch sees edit after edit, and the first pays for V8 compiling);
 * - unchanged bytes: the first version written back (an undo), answered from the result cache;
 * as ratios to the cold build and to one warm binaryen.js -Oz run of the same module in this process (the
 * proof-carrying pipelines' target: a one-function edit within 2× of -Oz), with the verdicts reused from the
 * proof cache and decided afresh. Write to result includes the settling a watch does before it builds (the
 * debounce, 150 ms by default, and a 40 ms stability check): the rebuild columns are from the settled content
 * to the output written (WatchResultParams.ms).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  InitializeRequest,
  StatusRequest,
  WatchResultNotification,
  WatchStartRequest,
  type WatchResultParams,
} from '../src/protocol/index.js';
import { binaryen, emitModule, withModule } from '../src/wasm/binaryen.js';
import { sameBytes } from '../src/wasm/bytes.js';
import { functionBodies, withFunctionBodies } from '../src/wasm/code-section.js';
import { ALL_DETECTABLE, chooseFeatures } from '../src/wasm/detect-features.js';
import { featuresToFlags } from '../src/wasm/features.js';
import { warmOzMs, warmUpBinaryen } from './baselines.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const generationsAt = args.indexOf('--generations');
/** --no-quick: no quick rebuild before the final one (what a watch did before quick rebuilds existed). */
const quickRebuilds = !args.includes('--no-quick');
/** --edits N: one-function edits in a row (each a new constant), the first reported alone, the others by their median. */
const editsAt = args.indexOf('--edits');
const EDITS = editsAt >= 0 ? Number(args[editsAt + 1]) : 5;
const OPTIONS = { islands: 2, generations: generationsAt >= 0 ? Number(args[generationsAt + 1]) : 1, verify: 'strict' as const };
const MODULES = ['node_modules/@chainsafe/as-sha256/build/optimized.wasm', 'node_modules/rabin-wasm/dist/rabin.wasm'].map((p) => join(root, p));

/**
 * `count` versions of the module, each with one i32 constant of one function changed (by 1, 2, …), every other
 * byte as it was: the first constant of the largest function that binaryen writes back byte for byte. The edit
 * goes through binaryen's text format, whose round trip rewrites other bodies and sections of some modules
 * (rabin: three bodies and the type section), so only the edited body is taken from it.
 */
function withOneFunctionChanged(bytes: Uint8Array, features: string[], count: number): Uint8Array[] {
  const flags = featuresToFlags(features);
  const text = withModule(bytes, flags, (module) => module.emitText());
  const roundTrip = (source: string) => {
    const module = binaryen.parseText(source);
    try {
      module.setFeatures(flags);
      return functionBodies(emitModule(module, false));
    } finally {
      module.dispose();
    }
  };
  const original = functionBodies(bytes);
  const unedited = roundTrip(text);
  const candidates = [...text.matchAll(/^ \(func [\s\S]*?(?=^ \(|^\)$)/gm)]
    .filter((m) => /\(i32\.const -?\d+\)/.test(m[0]))
    .sort((x, y) => y[0].length - x[0].length);
  for (const target of candidates) {
    const versions: Uint8Array[] = [];
    for (let by = 1; by <= count; by++) {
      const edited = target[0].replace(/\(i32\.const (-?\d+)\)/, (_, k: string) => `(i32.const ${Number(k) + by})`);
      const bodies = roundTrip(text.slice(0, target.index) + edited + text.slice(target.index! + target[0].length));
      const changed = bodies.flatMap((body, i) => (sameBytes(body, unedited[i]!) ? [] : [i]));
      if (changed.length !== 1 || !sameBytes(unedited[changed[0]!]!, original[changed[0]!]!)) break;
      versions.push(withFunctionBodies(bytes, (i) => (i === changed[0] ? bodies[i] : undefined)));
    }
    if (versions.length === count) return versions;
  }
  throw new Error('no function with an i32 constant that binaryen writes back as it was');
}

const home = await mkdtemp(join(tmpdir(), 'atoll-bench-watch-'));
const daemon = spawn(process.execPath, [join(root, 'dist/src/daemon/main.js'), '--stdio'], {
  env: { ...process.env, ATOLL_CACHE_DIR: join(home, 'cache') },
  stdio: ['pipe', 'pipe', 'ignore'],
});
const connection = createMessageConnection(new StreamMessageReader(daemon.stdout!), new StreamMessageWriter(daemon.stdin!));
connection.listen();
let waiting: ((result: WatchResultParams) => void) | undefined;
let quick: { ms: number; result: WatchResultParams } | undefined;
let writeStarted = 0;
connection.onNotification(WatchResultNotification.type, (result) => {
  if (result.stage === 'quick') quick = { ms: performance.now() - writeStarted, result };
  else waiting?.(result);
});

interface Timed {
  ms: number;
  result: WatchResultParams;
  /** The quick answer that came first, if one did. */
  quick: { ms: number; result: WatchResultParams } | undefined;
}

/** Writes the bytes and measures until the final watch result for them arrives (and the quick one, if any). */
async function timedWrite(path: string, bytes: Uint8Array): Promise<Timed> {
  const arrived = new Promise<WatchResultParams>((resolve) => (waiting = resolve));
  quick = undefined;
  writeStarted = performance.now();
  await writeFile(path, bytes);
  const result = await arrived;
  if (result.error) throw new Error(`${path}: ${result.error.message}`);
  return { ms: performance.now() - writeStarted, result, quick };
}

const rows: Array<Record<string, string | number>> = [];
try {
  await connection.sendRequest(InitializeRequest.type, { clientInfo: { name: 'bench-watch' } });
  // Warm as a daemon is once it sat idle for a second (V8 tiers the workers' binaryen up), with nothing cached
  // that a measured module could use: its own warm-up jobs (Engine.warmUpJobs: strict jobs on the module
  // `npm run bench` warms with, and incremental rebuilds of it), as a watch's first edit finds it.
  for (;;) {
    const { warmUp } = await connection.sendRequest(StatusRequest.type);
    if (warmUp.state !== 'waiting' && warmUp.state !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  for (const modulePath of MODULES) {
    const dir = join(home, basename(modulePath, '.wasm'));
    await mkdir(dir);
    await connection.sendRequest(WatchStartRequest.type, { paths: [dir], options: OPTIONS, quick: quickRebuilds });
    const original = new Uint8Array(await readFile(modulePath));
    const path = join(dir, 'input.wasm');
    // This process's own binaryen work (the edits' text round trips, the -Oz runs) is done before anything is
    // measured, and V8's background compiling of it given a second to end: made between the cold build and the
    // first edit, it took CPU from the daemon (two cores) while that rebuilt.
    const features = withModule(original, ALL_DETECTABLE, (module) => chooseFeatures(module, undefined, undefined).names);
    const versions = withOneFunctionChanged(original, features, EDITS);
    warmUpBinaryen();
    const oz = warmOzMs(original);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const cold = await timedWrite(path, original);
    const edits: Timed[] = [];
    for (const edited of versions) edits.push(await timedWrite(path, edited));
    const unchanged = await timedWrite(path, original);
    const builds: Array<[string, { ms: number; result: WatchResultParams }]> = [['cold', cold]];
    const quickKind = (run: Timed) => {
      const rebuilt = run.quick?.result.report?.incremental?.rebuilt;
      return rebuilt ? `incremental: ${rebuilt.join(', ')} rebuilt` : 'replay';
    };
    const [first, ...again] = edits;
    if (first!.quick) builds.push([`one function changed, quick (${quickKind(first!)})`, first!.quick]);
    builds.push(['one function changed', first!]);
    // A watch sees edit after edit: the later ones, by their median rebuild time.
    const median = <T>(runs: T[], ms: (run: T) => number) => [...runs].sort((a, b) => ms(a) - ms(b))[runs.length >> 1];
    const quickAgain = again.filter((run) => run.quick);
    if (quickAgain.length > 0) builds.push([`the same function changed again, quick (median of ${quickAgain.length}; ${quickKind(quickAgain[0]!)})`, median(quickAgain.map((run) => run.quick!), (run) => run.result.ms)!]);
    if (again.length > 0) builds.push([`the same function changed again (median of ${again.length})`, median(again, (run) => run.result.ms)!]);
    builds.push(['unchanged bytes', unchanged]);
    for (const [name, run] of builds) {
      const s = run.result.summary!;
      rows.push({
        module: basename(modulePath),
        build: name,
        ms: Math.round(run.ms),
        ratio: Number((run.ms / cold.ms).toFixed(3)),
        vsOz: Number((run.ms / oz).toFixed(2)),
        rebuildMs: Math.round(run.result.ms),
        rebuildVsOz: Number((run.result.ms / oz).toFixed(2)),
        outputBytes: s.outputBytes,
        reused: s.reused,
        verified: s.verified,
        proved: s.proved,
        unknown: s.unknown,
        resultCache: String(s.fromResultCache),
      });
    }
  }
} finally {
  daemon.stdin!.end();
  await new Promise((resolve) => daemon.once('exit', resolve));
  await rm(home, { recursive: true, force: true });
}

if (json) {
  process.stdout.write(`${JSON.stringify({ options: OPTIONS, rows }, null, 2)}\n`);
} else {
  process.stdout.write(`watch mode, options ${JSON.stringify(OPTIONS)}; time from write to watch result\n\n`);
  process.stdout.write('| module | build | ms | ÷ cold | ÷ one -Oz | rebuild ms | rebuild ÷ one -Oz | output B | verdicts reused | decided afresh | proved | unknown | result cache |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r['module']} | ${r['build']} | ${r['ms']} | ${r['ratio']} | ${r['vsOz']} | ${r['rebuildMs']} | ${r['rebuildVsOz']} | ${r['outputBytes']} | ${r['reused']} | ${r['verified']} | ${r['proved']} | ${r['unknown']} | ${r['resultCache']} |\n`);
  }
}
