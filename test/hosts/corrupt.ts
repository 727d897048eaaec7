import { binaryen, emitModule, readModule } from '../../src/wasm/binaryen.js';
import { ALL_DETECTABLE, chooseFeatures } from '../../src/wasm/detect-features.js';
import { walkExpressions } from '../../src/wasm/walk.js';

// binaryen.js 132 has Binary.getOp/setOp at run time; its typings do not declare the Binary namespace.
const { Binary } = binaryen as unknown as { Binary: { getOp(expr: number): number; setOp(expr: number, op: number): void } };

/**
 * The negative control of the differential harness: a miscompile planted on purpose. Every i32.add of the
 * function with the most of them becomes i32.sub — in hashing and chunking code that function is the hot
 * loop, so a harness that cannot tell this module from the original cannot be trusted to tell anything.
 */
export function flipHottestAdds(bytes: Uint8Array, features: readonly string[]): { bytes: Uint8Array; func: string; flipped: number } {
  const module = readModule(bytes, ALL_DETECTABLE);
  try {
    chooseFeatures(module, undefined, features as Parameters<typeof chooseFeatures>[2]);
    let best: { name: string; adds: number[] } = { name: '', adds: [] };
    for (let i = 0; i < module.getNumFunctions(); i++) {
      const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
      if (!info.body) continue;
      const adds: number[] = [];
      walkExpressions(binaryen, info.body, (expr, id) => {
        if (id === binaryen.BinaryId && Binary.getOp(expr) === binaryen.AddInt32) adds.push(expr);
      });
      if (adds.length > best.adds.length) best = { name: info.name, adds };
    }
    if (best.adds.length === 0) throw new Error('the module has no i32.add to corrupt');
    for (const add of best.adds) Binary.setOp(add, binaryen.SubInt32);
    if (!module.validate()) throw new Error('the corrupted module does not validate');
    return { bytes: emitModule(module, true), func: best.name, flipped: best.adds.length };
  } finally {
    module.dispose();
  }
}
