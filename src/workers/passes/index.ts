import type binaryenNs from 'binaryen';
import { binaryen } from '../../wasm/binaryen.js';
import { forwardStores } from './forward-stores.js';

type OwnPass = (b: typeof binaryenNs, module: binaryenNs.Module, functions?: readonly string[]) => void;

/** atoll's own passes (the catalogue lists them with binaryen's), run in TypeScript on binaryen's IR. */
const OWN_PASSES: ReadonlyMap<string, OwnPass> = new Map([['forward-stores', forwardStores]]);

export function isOwnPass(name: string): boolean {
  return OWN_PASSES.has(name);
}

/** Runs one pass on the module, or only on `functions` when given: atoll's own here, binaryen's by binaryen. */
export function applyPass(module: binaryenNs.Module, name: string, functions?: readonly string[]): void {
  const own = OWN_PASSES.get(name);
  if (own) own(binaryen, module, functions);
  else if (functions) for (const fn of functions) module.runPassesOnFunction(fn, [name]);
  else module.runPasses([name]);
}
