import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from './host.js';
import { optimizerUnderTest, type OptimizerUnderTest } from './optimizer.js';

/**
 * One test per host: the package's real workload prints the same transcript with the optimized module as
 * with the module it ships. Also checks the optimized module is what ran (isolated.ts proves the module it
 * was given was compiled) and that it validates.
 */
export function describeDifferential(title: string, hosts: readonly Host[]): void {
  describe(title, () => {
    let optimizer: OptimizerUnderTest;
    beforeAll(async () => {
      optimizer = await optimizerUnderTest();
    });
    afterAll(async () => {
      // Which optimizer ran belongs in the log: before the engine could verify, these runs used no proofs.
      if (optimizer) console.info(`${title}: optimized with ${optimizer.description}`);
      await optimizer?.close();
    });

    for (const host of hosts) {
      it(`${host.name}: the workload's transcript is unchanged by optimization`, async () => {
        const original = await host.original();
        const optimized = await optimizer.optimize(original, host.features);
        expect(WebAssembly.validate(optimized), `${optimizer.description} produced an invalid module`).toBe(true);
        const [expected, actual] = await Promise.all([host.run(original), host.run(optimized)]);
        expect(expected.length).toBeGreaterThan(0);
        expect(actual, `transcript of ${host.name} after ${optimizer.description}`).toBe(expected);
      });
    }
  });
}
