import { Engine } from '../../src/engine/engine.js';

export type TestVerifyMode = 'strict' | 'off';

export interface OptimizerUnderTest {
  /** What produced the bytes, for failure messages. */
  readonly description: string;
  optimize(bytes: Uint8Array, features?: readonly string[]): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** atoll's Engine as the differential tests run it: one generation, two islands, seed 1. */
export function optimizerUnderTest(verify: TestVerifyMode): OptimizerUnderTest {
  const engine = new Engine({ islandThreads: 2 });
  return {
    description: `atoll Engine (1 generation, 2 islands, verify ${verify})`,
    async optimize(bytes, features) {
      const options = { generations: 1, islands: 2, seed: 1, verify, ...(features ? { features: [...features] } : {}) };
      return (await engine.optimize(bytes, options)).output;
    },
    close: () => engine.close(),
  };
}
