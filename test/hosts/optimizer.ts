import { binaryenOz } from '../../bench/baselines.js';
import { AtollError, ErrorCodes } from '../../src/protocol/errors.js';

export interface OptimizerUnderTest {
  /** What produced the bytes, for test names and failure messages. */
  readonly description: string;
  optimize(bytes: Uint8Array, features?: readonly string[]): Promise<Uint8Array>;
  close(): Promise<void>;
}

interface EngineLike {
  optimize(
    bytes: Uint8Array,
    options: { generations: number; islands: number; seed: number; verify: 'strict' | 'off'; features?: string[] },
  ): Promise<{ output: Uint8Array }>;
  close(): Promise<void>;
}

/**
 * The optimizer whose output the differential tests run: atoll's Engine (one generation, two islands,
 * strict verification, or no verification while this build cannot verify) — or, in a tree whose engine
 * does not export one yet, binaryen.js -Oz, so the harness itself stays tested.
 */
export async function optimizerUnderTest(): Promise<OptimizerUnderTest> {
  const engineModule = (await import('../../src/engine/engine.js')) as { Engine?: new (config: object) => EngineLike };
  if (typeof engineModule.Engine !== 'function') {
    return {
      description: 'binaryen.js -Oz (the engine is not available)',
      optimize: async (bytes, features) => binaryenOz(bytes, features).bytes,
      close: async () => {},
    };
  }
  const engine = new engineModule.Engine({ islandThreads: 2 });
  let verify: 'strict' | 'off' = 'strict';
  const optimizeWith = (bytes: Uint8Array, features?: readonly string[]) =>
    engine.optimize(bytes, { generations: 1, islands: 2, seed: 1, verify, ...(features ? { features: [...features] } : {}) });
  return {
    get description() {
      return `atoll Engine (1 generation, 2 islands, verify ${verify})`;
    },
    async optimize(bytes, features) {
      try {
        return (await optimizeWith(bytes, features)).output;
      } catch (error) {
        if (!(error instanceof AtollError && error.code === ErrorCodes.NotAvailable && verify === 'strict')) throw error;
        verify = 'off';
        return (await optimizeWith(bytes, features)).output;
      }
    },
    close: () => engine.close(),
  };
}
