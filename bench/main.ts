import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, platform } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/engine/engine.js';
import { hosts, type Host } from '../test/hosts/index.js';
import { parseBenchArgs, type BenchArgs } from './args.js';
import { findNativeWasmOpt, warmUpBinaryen, warmUpModule, WARM_UP_JOBS } from './baselines.js';
import { DaemonOptimizer } from './daemon-optimizer.js';
import { renderChart } from './chart.js';
import { measureModule, type AtollOptimizer, type ModuleResult } from './measure.js';
import { renderMarkdown, type BenchRun } from './report.js';
import type { Verdict } from '../src/protocol/report.js';
import type { Certificate, CertificateStore } from '../src/verify/certificate.js';
import type { ProofCache } from '../src/verify/proof-cache.js';

class MemoryProofCache implements ProofCache {
  private readonly verdicts = new Map<string, Verdict>();
  async get(key: string) {
    return this.verdicts.get(key);
  }
  async set(key: string, verdict: Verdict) {
    this.verdicts.set(key, verdict);
  }
  clear() {
    this.verdicts.clear();
  }
}

class MemoryCertificates implements CertificateStore {
  private readonly entries = new Map<string, Certificate>();
  async get(input: string, output: string) {
    return this.entries.get(`${input}:${output}`);
  }
  async set(certificate: Certificate) {
    this.entries.set(`${certificate.input}:${certificate.output}`, certificate);
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The default corpus is every small and medium module; --large adds sql.js, brotli and the C builds. */
function selectHosts(args: BenchArgs): Host[] {
  if (args.modules) {
    const unknown = args.modules.filter((name) => !hosts.some((h) => h.name === name));
    if (unknown.length > 0) throw new Error(`unknown modules: ${unknown.join(', ')}; known: ${hosts.map((h) => h.name).join(', ')}`);
    return hosts.filter((h) => args.modules!.includes(h.name));
  }
  return hosts.filter((h) => args.large || h.sizeClass !== 'large');
}

function runOf(modules: ModuleResult[], nativeVersion: string | undefined, args: BenchArgs): BenchRun {
  return {
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), node: process.version, platform: platform() },
    nativeWasmOpt: nativeVersion,
    engine: args.daemon ? 'atoll daemon (socket, documented heap ceiling), default settings' : 'atoll Engine in the bench process, default settings',
    generations: args.generations ?? 'default',
    strategy: args.strategy ?? 'default',
    modules,
  };
}

/** Writes results.md, results.json and chart.svg; returns the markdown. */
function writeResults(outDir: string, run: BenchRun): string {
  mkdirSync(outDir, { recursive: true });
  const markdown = renderMarkdown(run);
  writeFileSync(join(outDir, 'results.md'), markdown);
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(join(outDir, 'chart.svg'), renderChart(run.modules));
  return markdown;
}

/**
 * atoll is measured warm, as a daemon is after its first jobs: WARM_UP_JOBS strict jobs on the warm-up module
 * (warmUpModule) before the first module. On a fresh engine the first strict job of as-sha256 took 2.2 s, and
 * 1.0 s after four of these. Returns their time, ms.
 */
async function warmUpJobs(engine: Pick<Engine, 'optimize'>): Promise<number> {
  const bytes = warmUpModule();
  const started = performance.now();
  for (let seed = 1; seed <= WARM_UP_JOBS; seed++) await engine.optimize(bytes, { verify: 'strict', seed });
  return performance.now() - started;
}

export async function main(argv: string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (error) {
    log((error as Error).message);
    return 2;
  }
  const selected = selectHosts(args);
  const native = await findNativeWasmOpt();
  if (!native) log('native wasm-opt is not installed: its columns stay empty (run scripts/ensure-system-deps.sh)');
  // Proofs and certificates in memory for the run: each module's strict run starts cold (proofs are keyed by
  // content, so modules do not share them), and `atoll verify IN OUT` right after re-checks its certificate.
  // With --daemon, a daemon as users run it (its own caches on disk).
  const proofs = new MemoryProofCache();
  const engine = args.daemon ? new DaemonOptimizer(log) : new Engine({ proofCache: proofs, certificates: new MemoryCertificates() });
  const atoll: AtollOptimizer = engine instanceof Engine
    ? { optimize: (bytes, options) => engine.optimize(bytes, options), verify: (base, candidate, options) => engine.verify(base, candidate, options), forgetProofs: () => proofs.clear() }
    : engine;
  // Start-up costs (loading binaryen, starting worker threads, V8 compiling their hot code) are not the first
  // module's optimization time.
  warmUpBinaryen();
  if (engine instanceof Engine) await engine.warmUp();
  const warmUp = await warmUpJobs(engine);
  log(`warm-up: ${WARM_UP_JOBS} strict jobs on the warm-up module in ${Math.round(warmUp)} ms`);
  const modules: ModuleResult[] = [];
  try {
    for (const host of selected) {
      const missing = host.unavailable?.();
      if (missing) {
        log(`${host.name}: skipped, ${missing}`);
        continue;
      }
      modules.push(
        await measureModule(host, atoll, { native, generations: args.generations, strategy: args.strategy, noStrict: args.noStrict, log }),
      );
      // After every module, so that an interrupted long run (--large) still leaves what it measured.
      writeResults(args.outDir, runOf(modules, native?.version, args));
    }
  } finally {
    await engine.close();
  }
  const markdown = writeResults(args.outDir, runOf(modules, native?.version, args));
  process.stdout.write(markdown);
  log(`wrote ${join(args.outDir, 'results.md')}, results.json and chart.svg`);
  const failed = modules.filter((m) => Object.values(m.differential).some((d) => d !== 'pass'));
  return failed.length > 0 ? 1 : 0;
}
