import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionVerdict, OptimizeReport } from '../../src/protocol/index.js';
import { tempHome, type TempHome } from './daemon-harness.js';
import { demoModule, folderIn, WatchClient } from './watch-harness.js';

let home: TempHome;
let client: WatchClient;
beforeAll(async () => {
  home = await tempHome();
  client = await WatchClient.start(home);
});
afterAll(async () => {
  expect(await client.close()).toBe(0);
  await home.cleanup();
});

function verdicts(report: OptimizeReport): FunctionVerdict[] {
  return [...(report.verification?.functions ?? []), ...(report.rejected ?? [])];
}

const SYNTACTIC = ['identical', 'alpha'];
/**
 * Proved without the checker's work: same body, or equal up to renaming locals, at every step (a function's
 * verdict sums up its steps; the value graph or z3 may have decided some of them).
 */
const syntactic = (verdict: FunctionVerdict) =>
  verdict.verdict.status === 'proved' && SYNTACTIC.includes(verdict.verdict.method) && (verdict.steps ?? []).every((s) => SYNTACTIC.includes(s.method));

describe('watch mode: incremental re-verification', () => {
  it('after one function changes, re-verifies only that one: the others come from the proof cache', async () => {
    const dir = await folderIn(home, 'strict');
    const path = join(dir, 'demo.wasm');
    const { watchId } = await client.watch({ paths: [dir], options: { islands: 2, generations: 1, verify: 'strict' } });
    await writeFile(path, demoModule(8));
    const [first] = await client.waitForResults(1);
    expect(first!.error).toBeUndefined();
    expect(first!.summary!.verifiedStatus).toBe('proved');
    const before = verdicts(first!.report!);
    const solved = before.filter((v) => !syntactic(v) && v.name !== 'scale');
    // The point of the test: there are verdicts the checker had to work for (graph or z3) besides `scale`'s.
    expect(solved.length).toBeGreaterThan(0);

    await writeFile(path, demoModule(16));
    const [, second] = await client.waitForResults(2);
    expect(second).toMatchObject({ cause: 'change' });
    const after = verdicts(second!.report!);
    const summary = second!.summary!;
    expect(summary.fromResultCache).toBe(false);
    expect(summary.reused + summary.verified).toBe(after.length);
    expect(summary.reused).toBe(after.filter((v) => v.cached).length);
    // Every function whose body did not change and needed the solver before was answered by the cache.
    for (const name of solved.map((v) => v.name)) {
      const now = after.filter((v) => v.name === name);
      for (const verdict of now) expect(verdict.cached || syntactic(verdict), `${name}: ${JSON.stringify(verdict)}`).toBe(true);
    }
    expect(summary.reused).toBeGreaterThanOrEqual(solved.length);
    expect(summary.proved).toBe(second!.report!.verification!.totals.proved);
    await client.unwatch(watchId);
  });
});
