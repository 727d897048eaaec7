import { Engine } from '../../src/engine/engine.js';

export type TestVerifyMode = 'strict' | 'off';

export interface OptimizerUnderTest {
  /** What produced the bytes, for failure messages. */
  readonly description: string;
  optimize(bytes: Uint8Array, features?: readonly string[]): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * atoll's Engine as the differential tests run it, seed 1. Unverified: two islands, one generation. Strict:
 * one island, generation 0 running the -Oz alternative only (binaryen's -Oz pipeline applied pass by pass,
 * every step checked, the emit checked), then the per-function assembly, with a 1.5 s solver timeout — what
 * strict output is made of, in a time a test can afford on two cores (every alternative proved took over
 * 3 minutes per small module); a timeout only sends a step back, it never proves one.
 */
export function optimizerUnderTest(verify: TestVerifyMode): OptimizerUnderTest {
  const strict = verify === 'strict';
  const engine = new Engine({ islandThreads: 2, ...(strict ? { stepTimeoutMs: 1500, alternatives: ['-Oz'] } : {}) });
  const shape = strict ? { generations: 0, islands: 1 } : { generations: 1, islands: 2 };
  return {
    description: `atoll Engine (${shape.generations + 1} generation${shape.generations ? 's' : ''}, ${shape.islands} island${shape.islands > 1 ? 's' : ''}, verify ${verify})`,
    async optimize(bytes, features) {
      const options = { ...shape, seed: 1, verify, ...(features ? { features: [...features] } : {}) };
      return (await engine.optimize(bytes, options)).output;
    },
    close: () => engine.close(),
  };
}
