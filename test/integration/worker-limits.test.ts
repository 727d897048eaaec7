import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BinaryenPool } from '../../src/workers/binaryen-pool.js';

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
