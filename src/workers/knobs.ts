import type binaryenNs from 'binaryen';
import { binaryen } from '../wasm/binaryen.js';
import { codeMetrics, type Objective } from '../wasm/metrics.js';
import type { Genome } from '../islands/genome.js';
import type { Score } from './binaryen-tasks.js';

/**
 * Every option is global to the binaryen instance of this thread, so every task sets all of them; the
 * assumption-granting ones (trap-never-happen, low memory, fast math, closed world) are forced off.
 */
export function setKnobs(knobs: Partial<Genome['knobs']>): void {
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
}

/** A module's score under `objective`; `size` is the length of the bytes a user would receive. */
export function score(module: binaryenNs.Module, size: number, objective: Objective): Score {
  if (objective === 'size') return { size, value: size };
  const metrics = codeMetrics(binaryen, module);
  return { size, ...metrics, value: objective === 'instructions' ? metrics.instructions : metrics.cycles };
}
