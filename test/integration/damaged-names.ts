import binaryen from 'binaryen';
import { encodeU32 } from '../../src/wasm/bytes.js';
import { readSections } from '../../src/wasm/sections.js';

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
