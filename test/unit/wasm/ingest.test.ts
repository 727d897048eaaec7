import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../src/protocol/errors.js';
import { declaredFeatures, featuresToFlags, FEATURE_FLAGS, canDrop } from '../../../src/wasm/features.js';
import { ingestBytes } from '../../../src/wasm/ingest.js';
import { binaryen } from '../../../src/wasm/binaryen.js';
import { ALL_DETECTABLE, chooseFeatures } from '../../../src/wasm/detect-features.js';

const demo = () => new Uint8Array(readFileSync(new URL('../../../examples/demo.wasm', import.meta.url)));

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: number }).code;
  }
  return undefined;
}

/** A custom section named `name` with `payload`, appended to a module. */
function withCustomSection(module: Uint8Array, name: string, payload: number[]): Uint8Array {
  const nameBytes = [...new TextEncoder().encode(name)];
  const body = [nameBytes.length, ...nameBytes, ...payload];
  return new Uint8Array([...module, 0, body.length, ...body]);
}

describe('ingest', () => {
  it('accepts a valid module and hashes it', () => {
    const result = ingestBytes(demo());
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.declared).toBeUndefined();
  });

  it('names each kind of bad input', () => {
    expect(codeOf(() => ingestBytes(new Uint8Array()))).toBe(ErrorCodes.NotWasm);
    expect(codeOf(() => ingestBytes(new TextEncoder().encode('(module)')))).toBe(ErrorCodes.NotWasm);
    expect(codeOf(() => ingestBytes(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0])))).toBe(ErrorCodes.UnsupportedFeature);
    const bytes = demo();
    expect(codeOf(() => ingestBytes(bytes.subarray(0, bytes.length - 40)))).toBe(ErrorCodes.MalformedWasm);
    // A function body whose i32.add has no operands: frames are fine, validation is not.
    const invalid = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 5, 1, 3, 0, 0x6a, 0x0b]);
    expect(() => ingestBytes(invalid)).toThrow(/not valid WebAssembly/);
    expect(codeOf(() => ingestBytes(invalid))).toBe(ErrorCodes.InvalidWasm);
  });

  it('reads the target_features section', () => {
    const payload = [2, 0x2b, 8, ...new TextEncoder().encode('sign-ext'), 0x2d, 4, ...new TextEncoder().encode('simd')];
    // '-simd' is not known to atoll but is only a "not used" entry, so it is ignored.
    expect(declaredFeatures(withCustomSection(demo(), 'target_features', payload))).toEqual(['sign-ext']);
    const unknown = [1, 0x2b, 5, ...new TextEncoder().encode('weird')];
    expect(codeOf(() => declaredFeatures(withCustomSection(demo(), 'target_features', unknown)))).toBe(ErrorCodes.UnsupportedFeature);
  });
});

describe('features', () => {
  it('closes feature sets under what binaryen assumes (bulk-memory implies bulk-memory-opt)', () => {
    const flags = featuresToFlags(['bulk-memory']);
    expect(flags & FEATURE_FLAGS['bulk-memory-opt']).not.toBe(0);
    expect(canDrop(flags, 'bulk-memory-opt')).toBe(false);
    expect(canDrop(flags, 'bulk-memory')).toBe(true);
  });
  it('rejects unknown feature names', () => {
    expect(codeOf(() => featuresToFlags(['sign-ext', 'teleport']))).toBe(ErrorCodes.BadOption);
  });
});

describe('feature detection', () => {
  it('finds the features as-sha256 needs without printing the validations it expects to fail', () => {
    // In a process of its own, as a daemon's worker runs it: binaryen writes straight to the process's stderr.
    const modules = (path: string) => pathToFileURL(resolve(path)).href;
    const script = `
      import { readFileSync } from 'node:fs';
      import { binaryen } from '${modules('dist/src/wasm/binaryen.js')}';
      import { ALL_DETECTABLE, chooseFeatures } from '${modules('dist/src/wasm/detect-features.js')}';
      const module = binaryen.readBinary(new Uint8Array(readFileSync('node_modules/@chainsafe/as-sha256/build/optimized.wasm')));
      module.setFeatures(ALL_DETECTABLE);
      process.stdout.write(JSON.stringify(chooseFeatures(module, undefined, undefined).names));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expect.arrayContaining(['mutable-globals', 'bulk-memory-opt']));
    expect(run.stderr).not.toContain('wasm-validator error');
  });
  it('finds that a module needs no feature in one validation past the first (not one per feature)', () => {
    const module = binaryen.readBinary(demo());
    try {
      module.setFeatures(ALL_DETECTABLE);
      let validations = 0;
      const validate = module.validate.bind(module);
      module.validate = () => (validations++, validate());
      expect(chooseFeatures(module, undefined, undefined)).toEqual({ flags: 0, names: [], source: 'detected' });
      expect(validations).toBe(2);
    } finally {
      module.dispose();
    }
  });
});
