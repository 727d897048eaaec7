import { describe, expect, it } from 'vitest';
import { withoutUnusedDataCount } from '../../../src/wasm/data-count.js';
import { readSections } from '../../../src/wasm/sections.js';
import { MVP } from '../../../src/wasm/features.js';
import { FEATURES, wat } from '../verify/pair.js';

const DATA_COUNT = 12;
const hasDataCount = (bytes: Uint8Array) => readSections(bytes).some((s) => s.id === DATA_COUNT);

describe('the data count section binaryen writes with bulk memory', () => {
  it('goes when no instruction names a data segment: three bytes, the module still valid and the same', () => {
    const bytes = wat(`(module (memory (export "memory") 1) (data (i32.const 8) "atoll")
      (func (export "fill") (param $n i32) (memory.fill (i32.const 0) (i32.const 1) (local.get $n))))`, FEATURES);
    expect(hasDataCount(bytes)).toBe(true);
    const without = withoutUnusedDataCount(bytes);
    expect(hasDataCount(without)).toBe(false);
    expect(without.length).toBe(bytes.length - 3);
    expect(WebAssembly.validate(without)).toBe(true);
    const memory = (module: Uint8Array) => new Uint8Array((new WebAssembly.Instance(new WebAssembly.Module(module)).exports.memory as WebAssembly.Memory).buffer.slice(0, 16));
    expect(memory(without)).toEqual(memory(bytes));
  });

  it('stays when memory.init or data.drop needs it', () => {
    const bytes = wat(`(module (memory 1) (data $d "atoll")
      (func (export "init") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 5)) (data.drop $d)))`, FEATURES);
    expect(hasDataCount(bytes)).toBe(true);
    expect(withoutUnusedDataCount(bytes)).toBe(bytes);
  });

  it('leaves a module without the section as it is', () => {
    const bytes = wat(`(module (memory 1) (data (i32.const 0) "x") (func (export "f")))`, MVP);
    expect(withoutUnusedDataCount(bytes)).toBe(bytes);
  });
});

