import type binaryenNs from 'binaryen';
import { functionBodySizes } from '../wasm/names.js';
import { walkExpressions } from '../wasm/walk.js';

type Binaryen = typeof binaryenNs;

/**
 * The functions of a module worth inlining one at a time (the search's per-function inlining, see
 * Knobs.inline): every defined function that another function calls directly, smallest body first (ties by
 * name). binaryen's own inliner decides by size limits for all functions at once, so under -Oz a function of
 * more than a few instructions with several callers stays a call even where inlining it would pay (constant
 * arguments folding in each caller, its body and signature gone); the smallest bodies are where that is
 * likeliest. `named` carries the name section (body sizes are read from its bytes).
 */
export function inliningCandidates(binaryen: Binaryen, module: binaryenNs.Module, named: Uint8Array): string[] {
  const called = new Set<string>();
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (info.module) continue;
    walkExpressions(binaryen, info.body, (expr, id) => {
      if (id !== binaryen.CallId) return;
      const target = (binaryen.getExpressionInfo(expr) as binaryenNs.CallInfo).target;
      if (target !== info.name) called.add(target);
    });
  }
  const sizes = functionBodySizes(named);
  return [...called]
    .filter((name) => sizes.has(name))
    .sort((a, b) => sizes.get(a)! - sizes.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
}
