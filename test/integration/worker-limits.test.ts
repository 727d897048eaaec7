import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binaryenPreset, checkedGenome } from '../../src/islands/presets.js';
import { BinaryenPool } from '../../src/workers/binaryen-pool.js';
import type { WorkerServices } from '../../src/workers/services.js';

/**
 * issue #12, "The daemon dies": what grows with the module runs on workers with a heap limit, and a worker
 * that reaches it fails its task, not the process.
 */
describe('worker heap limits', () => {
  it('a binaryen worker over its limit fails its task with the reason', async () => {
    const pool = new BinaryenPool({ threads: 1, maxHeapMb: 32 });
    const onig = new Uint8Array(readFileSync('node_modules/vscode-oniguruma/release/onig.wasm'));
    try {
      const error = await pool.extractIr(onig, 0).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(error?.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
      expect(error?.message).toMatch(/memory limit/);
    } finally {
      await pool.close();
    }
  });

  it('a worker that dies with no task of its own does not end the process', async () => {
    // Too small a heap even to load binaryen: the thread dies at start, before any task. piscina reports
    // that as an 'error' event, which ended the process while the pool did not listen for it.
    const pool = new BinaryenPool({ threads: 1, maxHeapMb: 4 });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(pool.stats.threads).toBe(0);
    await pool.close();
  });
});

describe('the silence limit of tasks with a service port', () => {
  it('counts from when a task starts, not while it waits in the queue behind a long one', async () => {
    const pool = new BinaryenPool({ threads: 1, silenceLimitMs: 1000 });
    try {
      await pool.warmUp();
      const bytes = new Uint8Array(readFileSync('examples/demo.wasm'));
      const input = await pool.ingest({ bytes, declared: undefined, override: undefined });
      // Every proof-cache lookup of the first task takes 200 ms on this side: it keeps the only thread for
      // well over the limit while never silent itself (a lookup in flight is not silence).
      const services = (lookupMs: number): WorkerServices => ({
        solve: async () => ({ status: 'unknown', reason: 'no solver in this test' }),
        proofGet: async () => {
          await new Promise((resolve) => setTimeout(resolve, lookupMs));
          return undefined;
        },
        proofSet: async () => undefined,
      });
      const evaluate = (lookupMs: number) => pool.evaluate({
        base: input.named, flags: input.flags, genome: checkedGenome(binaryenPreset('Oz'), false), objective: 'size',
        checks: { mode: 'strict', z3Version: 'none', concurrency: 1, services: services(lookupMs) },
      });
      const started = performance.now();
      const [long, queued] = await Promise.all([evaluate(200), evaluate(0)]);
      expect(performance.now() - started).toBeGreaterThan(1000);
      expect(long.ok ? 'ok' : long.error).toBe('ok');
      expect(queued.ok ? 'ok' : queued.error).toBe('ok');
    } finally {
      await pool.close();
    }
  });
});
