import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheStatsRequest, OptimizeRequest, StatusRequest, type StatusResult } from '../../src/protocol/index.js';
import { FAST, initialized, SMALL_WASM, spawnDaemon, stdioConnection, tempHome, type TempHome } from './daemon-harness.js';

let home: TempHome;
beforeEach(async () => {
  home = await tempHome();
});
afterEach(async () => {
  await home.cleanup();
});

type Connection = ReturnType<typeof stdioConnection>;

/** A stdio daemon that runs `jobs` warm-up jobs when idle; `stop` ends it and gives its exit code. */
async function daemonWarmingUp(jobs: number): Promise<{ connection: Connection; stop(): Promise<number | null> }> {
  const daemon = spawnDaemon(home, ['--stdio', '--warm-up-jobs', String(jobs)]);
  const connection = stdioConnection(daemon);
  await initialized(connection);
  return {
    connection,
    stop: () => {
      daemon.child.stdin!.end();
      return daemon.exited;
    },
  };
}

const optimize = (connection: Connection) => connection.sendRequest(OptimizeRequest.type, { input: { path: SMALL_WASM }, options: FAST });

async function warmUpWhen(connection: Connection, done: (warmUp: StatusResult['warmUp']) => boolean, timeoutMs = 90_000): Promise<StatusResult['warmUp']> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { warmUp } = await connection.sendRequest(StatusRequest.type);
    if (done(warmUp)) return warmUp;
    if (Date.now() > deadline) throw new Error(`warm-up still ${JSON.stringify(warmUp)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the daemon warms up before its first job', () => {
  it('runs its warm-up jobs while idle and keeps nothing of them in its caches', async () => {
    const { connection, stop } = await daemonWarmingUp(2);
    expect((await connection.sendRequest(StatusRequest.type)).warmUp).toMatchObject({ jobs: 2, done: 0 });
    expect(await warmUpWhen(connection, (w) => w.state !== 'waiting' && w.state !== 'running')).toEqual({ jobs: 2, done: 2, state: 'done' });
    const stats = await connection.sendRequest(CacheStatsRequest.type);
    expect(stats.proofs.memory.entries + stats.proofs.disk.entries).toBe(0);
    expect(stats.results.disk.entries).toBe(0);
    // The first job after it is an ordinary one.
    const result = await optimize(connection);
    expect(result.report.output.bytes).toBeLessThan(result.report.input.bytes);
    expect(await stop()).toBe(0);
  });

  it('ends the warm-up at the first job, between two evaluations', async () => {
    const { connection, stop } = await daemonWarmingUp(1000);
    await warmUpWhen(connection, (w) => w.state === 'running');
    expect((await optimize(connection)).report.cached).toBe(false);
    const warmUp = await warmUpWhen(connection, (w) => w.state !== 'running');
    expect(warmUp.state).toBe('stopped');
    expect(warmUp.done).toBeLessThan(1000);
    expect(await stop()).toBe(0);
  });

  it('does not start when a job comes before the daemon has been idle, and stops with the daemon', async () => {
    const early = await daemonWarmingUp(4);
    await optimize(early.connection);
    expect(await warmUpWhen(early.connection, (w) => w.state !== 'waiting')).toEqual({ jobs: 4, done: 0, state: 'stopped' });
    expect(await early.stop()).toBe(0);

    const busy = await daemonWarmingUp(1000);
    await warmUpWhen(busy.connection, (w) => w.state === 'running');
    expect(await busy.stop()).toBe(0);
  });
});
