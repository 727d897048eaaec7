import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryenPreset, explicitPreset } from '../../src/islands/presets.js';
import { BinaryenPool } from '../../src/workers/binaryen-pool.js';
import type { IngestResult } from '../../src/workers/binaryen-tasks.js';

const modules = {
  'as-sha256': 'node_modules/@chainsafe/as-sha256/build/optimized.wasm',
  rabin: 'node_modules/rabin-wasm/dist/rabin.wasm',
  onig: 'node_modules/vscode-oniguruma/release/onig.wasm',
};

describe('explicit presets against binaryen own pipeline', () => {
  let pool: BinaryenPool;
  beforeAll(() => {
    pool = new BinaryenPool({ threads: 2 });
  });
  afterAll(() => pool.close());

  async function sizes(path: string) {
    const bytes = new Uint8Array(readFileSync(path));
    const input: IngestResult = await pool.ingest({ bytes, declared: undefined, override: undefined });
    const run = async (genome: ReturnType<typeof explicitPreset>) => {
      const result = await pool.evaluate({ base: input.named, flags: input.flags, genome, objective: 'size' });
      if (!result.ok) throw new Error(result.error);
      return result.score.size;
    };
    const [own, explicit] = await Promise.all([run(binaryenPreset('Oz')), run(explicitPreset('Oz'))]);
    return { own, explicit };
  }

  for (const [name, path] of Object.entries(modules)) {
    it(`explicit -Oz comes within 1% of binaryen's -Oz on ${name}`, async () => {
      const { own, explicit } = await sizes(path);
      const ratio = explicit / own;
      console.log(`${name}: binaryen -Oz ${own} B, explicit -Oz ${explicit} B, ratio ${ratio.toFixed(4)}`);
      expect(ratio).toBeGreaterThan(0.99);
      expect(ratio).toBeLessThan(1.01);
    });
  }
});
