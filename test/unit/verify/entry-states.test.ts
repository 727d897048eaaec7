import { describe, expect, it } from 'vitest';
import { EntryStates } from '../../../src/verify/run/entry.js';
import { readIr } from '../../../src/verify/verifier.js';
import { FEATURES, wat } from './pair.js';

/**
 * The entry states runs start from (src/verify/run/entry.ts). Code that follows pointers (an allocator's
 * block headers, a linked structure) runs past its first load only when the words it reads are addresses or
 * sizes: random bytes almost never are.
 */
describe('generated entry states', () => {
  it('often hold, at the address a parameter points to, a word that is itself an address in the memory', () => {
    const ir = readIr(wat('(module (memory 1) (func $f (export "f") (param i32 i32) (result i32) (i32.load (i32.load (local.get 0)))))'), FEATURES);
    const states = new EntryStates(ir, ir.functions[0]!);
    let pointers = 0;
    const count = 1000;
    for (let i = 0; i < count; i++) {
      const state = states.state(i, 1);
      const at = Number(state.params[0]);
      const memory = new Uint8Array(state.pages * 65536 + 256);
      for (const [start, bytes] of state.writes) memory.set(bytes, start);
      if (at + 4 > state.pages * 65536) continue;
      const word = new DataView(memory.buffer).getUint32(at, true);
      if (word >= 256 && word < 65536 && word % 4 === 0) pointers++;
    }
    // 15 of 1000 when the bytes around a pointer were only random or mostly zeros; 66 with words among them.
    expect(pointers).toBeGreaterThanOrEqual(40);
  });
});
