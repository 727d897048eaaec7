import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from './host.js';
import { optimizerUnderTest, type OptimizerUnderTest, type TestVerifyMode } from './optimizer.js';

/**
 * One test per host: the package's real workload prints the same transcript with the optimized module as
 * with the module it ships. Also checks the optimized module is what ran (isolated.ts proves the module it
 * was given was compiled) and that it validates.
 */
export function describeDifferential(
  title: string,
  hosts: readonly Host[],
  options: { verify: TestVerifyMode; timeoutMs?: number },
): void {
  describe(title, () => {
    let optimizer: OptimizerUnderTest;
    beforeAll(() => {
      optimizer = optimizerUnderTest(options.verify);
    });
    afterAll(async () => {
      await optimizer?.close();
    });

    for (const host of hosts) {
      it(`${host.name}: the workload's transcript is unchanged by optimization (verify ${options.verify})`, { timeout: options.timeoutMs }, async () => {
        const original = await host.original();
        const optimized = await optimizer.optimize(original, host.features);
        expect(WebAssembly.validate(optimized), `${optimizer.description} produced an invalid module`).toBe(true);
        const [expected, again, actual] = await Promise.all([host.run(original), host.run(original), host.run(optimized)]);
        expect(expected.length).toBeGreaterThan(0);
        // A workload that prints something else on every run would blame the optimizer for its own noise.
        expect(again, `${host.name}'s workload is not deterministic on the original module`).toBe(expected);
        expect(actual, `transcript of ${host.name} after ${optimizer.description}`).toBe(expected);
      });
    }
  });
}
