import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { BinaryenPool } from '../../src/workers/binaryen-pool.js';
import { AtollError, ErrorCodes } from '../../src/protocol/errors.js';
import { moduleWithDamagedNames } from './damaged-names.js';

/**
 * issue #12, "Wrong error code": a valid module with a damaged name section was answered
 * `internal error: AtollError: binaryen cannot read the module` (-32603): the AtollError thrown on the
 * binaryen worker lost its class crossing the thread boundary.
 */

describe('errors keep their class across the binaryen worker boundary', () => {
  let pool: BinaryenPool;
  beforeAll(() => {
    pool = new BinaryenPool({ threads: 1 });
  });
  afterAll(() => pool.close());

  it('an AtollError thrown on a worker arrives as an AtollError with its code and data', async () => {
    // Bytes the main thread would have refused: here the worker's own section reader refuses them.
    const truncated = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0x7f]);
    const error = await pool.ingest({ bytes: truncated, declared: undefined, override: undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtollError);
    expect((error as AtollError).code).toBe(ErrorCodes.MalformedWasm);
    expect((error as AtollError).data).toEqual({ offset: 8 });
  });

  it('a damaged name section is read without names', async () => {
    const bytes = moduleWithDamagedNames();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const ingested = await pool.ingest({ bytes, declared: undefined, override: undefined });
    expect(ingested.functions).toBe(2);
    expect(ingested.droppedNames).toMatch(/pars/);
  });
});

describe('a module with a damaged name section through the engine', () => {
  let engine: Engine;
  beforeAll(() => {
    engine = new Engine({ islandThreads: 1, solverThreads: 1 });
  });
  afterAll(() => engine.close());

  it('is optimized and verified (strict), with the damage logged', async () => {
    const bytes = moduleWithDamagedNames();
    const logs: string[] = [];
    const { output, report } = await engine.optimize(bytes, { generations: 1, islands: 1 }, { onLog: (line) => logs.push(line) });
    expect(WebAssembly.validate(output)).toBe(true);
    expect(report.verifiedStatus).toBe('proved');
    expect(logs.join('\n')).toMatch(/name section is damaged .* read without names/);
  });

  it('is verified against its own optimized output', async () => {
    const bytes = moduleWithDamagedNames();
    const { output } = await engine.optimize(bytes, { generations: 1, islands: 1, verify: 'off' });
    const report = await engine.verify(bytes, output);
    expect(report.totals.refuted).toBe(0);
  });
});
