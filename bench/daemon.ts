/**
 * Daemon figures, after `npm run build`: node dist/bench/daemon.js [module.wasm] [--json]
 * - atoll/status round trip over the unix socket (p50 / p99 of 500 sequential requests);
 * - optimize of one module through the socket: cold (not in the result cache, warm pools) vs an unchanged
 *   re-run answered from the result cache, and their ratio;
 * - the daemon's RSS when idle after warm-up and after the jobs (workers are threads: one process);
 * - the first strict job of a fresh daemon, after it has idled through its warm-up jobs (the default) and with
 *   none (`--warm-up-jobs 0`), each daemon alternately, twice.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { DaemonStopRequest, InitializeRequest, OptimizeRequest, StatusRequest } from '../src/protocol/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const modulePath = resolve(args.find((arg) => !arg.startsWith('--')) ?? join(root, 'node_modules/@chainsafe/as-sha256/build/optimized.wasm'));
const OPTIONS = { islands: 2, generations: 2, verify: 'off' as const };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function connectWhenUp(path: string): Promise<ReturnType<typeof connect>> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const socket = await new Promise<ReturnType<typeof connect> | undefined>((done) => {
      const candidate = connect(path);
      candidate.once('connect', () => done(candidate));
      candidate.once('error', () => done(undefined));
    });
    if (socket) return socket;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`no daemon on ${path}`);
}

/** A daemon on a private socket and cache under `dir`, initialized; `exited` settles when its process has ended. */
async function startDaemon(dir: string, extraArgs: string[] = []) {
  const path = join(dir, 'daemon.sock');
  const child = spawn(process.execPath, [join(root, 'dist/src/daemon/main.js'), '--socket', path, ...extraArgs], {
    env: { ...process.env, ATOLL_CACHE_DIR: join(dir, 'cache') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((done) => (child.exitCode === null ? child.once('exit', done) : done(undefined)));
  const socket = await connectWhenUp(path);
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  connection.listen();
  await connection.sendRequest(InitializeRequest.type, { clientInfo: { name: 'bench' } });
  return { connection, exited };
}

/**
 * A fresh daemon's first strict job on the module once the daemon has idled until its warm-up is over (or, with
 * none, as long as the default's took): ms, and the warm-up's time.
 */
async function firstStrictJob(warmUpJobs: number | undefined, idleMs: number): Promise<{ ms: number; idleMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'atoll-bench-first-'));
  try {
    const { connection, exited } = await startDaemon(dir, warmUpJobs === undefined ? [] : ['--warm-up-jobs', String(warmUpJobs)]);
    const started = performance.now();
    for (;;) {
      const { warmUp } = await connection.sendRequest(StatusRequest.type);
      if (warmUp.state !== 'waiting' && warmUp.state !== 'running' && performance.now() - started >= idleMs) break;
      await new Promise((done) => setTimeout(done, 50));
    }
    const idle = performance.now() - started;
    const jobStarted = performance.now();
    await connection.sendRequest(OptimizeRequest.type, { input: { path: modulePath }, options: { verify: 'strict' } });
    const ms = performance.now() - jobStarted;
    await connection.sendRequest(DaemonStopRequest.type);
    await exited;
    return { ms, idleMs: idle };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const home = await mkdtemp(join(tmpdir(), 'atoll-bench-daemon-'));
const { connection, exited } = await startDaemon(home);
try {
  // Warm-up job (another seed, so it does not fill the cache entry measured below): pools and JIT.
  await connection.sendRequest(OptimizeRequest.type, { input: { path: modulePath }, options: { ...OPTIONS, seed: 999 } });
  const idleRss = (await connection.sendRequest(StatusRequest.type)).memory.rss;

  const roundTrips: number[] = [];
  for (let i = 0; i < 500; i++) {
    const started = performance.now();
    await connection.sendRequest(StatusRequest.type);
    roundTrips.push(performance.now() - started);
  }
  roundTrips.sort((a, b) => a - b);

  const timeOptimize = async () => {
    const started = performance.now();
    const result = await connection.sendRequest(OptimizeRequest.type, { input: { path: modulePath }, options: OPTIONS });
    return { ms: performance.now() - started, cached: result.report.cached };
  };
  const cold = await timeOptimize();
  const cached = await timeOptimize();
  const afterRss = (await connection.sendRequest(StatusRequest.type)).memory.rss;
  await connection.sendRequest(DaemonStopRequest.type);

  const first: { warm: number[]; none: number[]; idleMs: number[] } = { warm: [], none: [], idleMs: [] };
  for (let round = 0; round < 2; round++) {
    const warm = await firstStrictJob(undefined, 0);
    first.warm.push(Math.round(warm.ms));
    first.idleMs.push(Math.round(warm.idleMs));
    first.none.push(Math.round((await firstStrictJob(0, warm.idleMs)).ms));
  }
  const figures = {
    module: modulePath,
    firstStrictJobMs: { afterIdleWarmUp: first.warm, withoutWarmUp: first.none, idleBeforeJobMs: first.idleMs },
    statusRoundTripMs: { p50: +percentile(roundTrips, 50).toFixed(3), p99: +percentile(roundTrips, 99).toFixed(3), samples: roundTrips.length },
    optimizeMs: { cold: Math.round(cold.ms), resultCache: +cached.ms.toFixed(1), ratio: +(cold.ms / cached.ms).toFixed(1), cachedHit: cached.cached },
    rssMb: { idle: Math.round(idleRss / 1048576), afterJobs: Math.round(afterRss / 1048576) },
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        `daemon benchmark on ${modulePath}`,
        `  status round trip over the socket: p50 ${figures.statusRoundTripMs.p50} ms, p99 ${figures.statusRoundTripMs.p99} ms (${roundTrips.length} requests)`,
        `  optimize, cold: ${figures.optimizeMs.cold} ms; unchanged, from the result cache: ${figures.optimizeMs.resultCache} ms (${figures.optimizeMs.ratio}× faster, hit: ${cached.cached})`,
        `  daemon RSS: ${figures.rssMb.idle} MB idle after warm-up, ${figures.rssMb.afterJobs} MB after the jobs`,
        `  a fresh daemon's first strict job: ${first.warm.join(' / ')} ms after its idle warm-up (${first.idleMs.join(' / ')} ms idle), ` +
          `${first.none.join(' / ')} ms without warm-up jobs, idle as long`,
      ].join('\n') + '\n',
    );
  }
} finally {
  await exited;
  await rm(home, { recursive: true, force: true });
}
