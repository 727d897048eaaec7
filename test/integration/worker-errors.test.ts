import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import binaryen from 'binaryen';
import { Engine } from '../../src/engine/engine.js';
import { BinaryenPool } from '../../src/islands/pool.js';
import { AtollError, ErrorCodes } from '../../src/protocol/errors.js';
import { encodeU32 } from '../../src/wasm/bytes.js';
import { readSections } from '../../src/wasm/sections.js';

/**
 * issue #12, "Wrong error code": a valid module with a damaged name section was answered
 * `internal error: AtollError: binaryen cannot read the module` (-32603): the AtollError thrown on the
 * binaryen worker lost its class crossing the thread boundary.
 */

/** A valid module with a name section whose local-names subsection is garbage (binaryen's reader throws on it). */
export function moduleWithDamagedNames(): Uint8Array {
  const module = binaryen.parseText(`(module
    (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func $twice (export "twice") (param i32) (result i32) (call $add (local.get 0) (i32.mul (local.get 0) (i32.const 1)))))`);
  binaryen.setDebugInfo(true);
  const bytes = module.emitBinary();
  module.dispose();
  const names = readSections(bytes).find((s) => s.id === 0 && s.name === 'name')!;
  const garbage = [2, 4, 0x05, 0xff, 0xff, 0xff]; // local names: "5 functions", then bytes that end mid-LEB
  const content = [...encodeU32(4), ...new TextEncoder().encode('name'), ...names.payload, ...garbage];
  const end = names.payload.byteOffset - bytes.byteOffset + names.payload.length;
  return new Uint8Array([...bytes.subarray(0, names.start), 0, ...encodeU32(content.length), ...content, ...bytes.subarray(end)]);
}

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
