import type binaryenNs from 'binaryen';
import { binaryen } from '../wasm/binaryen.js';
import { codeMetrics, type Objective } from '../wasm/metrics.js';
import type { Genome } from '../islands/genome.js';
import type { Score } from './binaryen-tasks.js';

/**
 * Every option is global to the binaryen instance of this thread, so every task sets all of them; the
 * assumption-granting ones (trap-never-happen, low memory, fast math, closed world) are forced off. With a
 * module, the functions the knobs keep from inlining are marked in it (markNoInline).
 */
export function setKnobs(knobs: Partial<Genome['knobs']>, module?: binaryenNs.Module): void {
  binaryen.setOptimizeLevel(knobs.optimizeLevel ?? 2);
  binaryen.setShrinkLevel(knobs.shrinkLevel ?? 2);
  binaryen.setAlwaysInlineMaxSize(knobs.alwaysInlineMaxSize ?? 2);
  binaryen.setFlexibleInlineMaxSize(knobs.flexibleInlineMaxSize ?? 20);
  binaryen.setOneCallerInlineMaxSize(knobs.oneCallerInlineMaxSize ?? -1);
  binaryen.setAllowInliningFunctionsWithLoops(knobs.inlineFunctionsWithLoops ?? false);
  binaryen.setTrapsNeverHappen(false);
  binaryen.setLowMemoryUnused(false);
  binaryen.setZeroFilledMemory(false);
  binaryen.setFastMath(false);
  binaryen.setClosedWorld(false);
  binaryen.clearPassArguments();
  binaryen.clearPassesToSkip();
  if (module) markNoInline(module, knobs.noInline ?? []);
}

/**
 * binaryen's no-inline pass with each name as its wildcard argument. The mark lives on the function in
 * memory: it holds for every later pass on this module until the function is re-added (a reverted step
 * re-adds it, so a proved pipeline marks again before each pass).
 */
export function markNoInline(module: binaryenNs.Module, names: readonly string[]): void {
  for (const name of names) {
    binaryen.setPassArgument('no-inline', name);
    module.runPasses(['no-inline']);
  }
  binaryen.clearPassArguments();
}

/** A module's score under `objective`; `size` is the length of the bytes a user would receive. */
export function score(module: binaryenNs.Module, size: number, objective: Objective): Score {
  if (objective === 'size') return { size, value: size };
  const metrics = codeMetrics(binaryen, module);
  return { size, ...metrics, value: objective === 'instructions' ? metrics.instructions : metrics.cycles };
}
