import type binaryenNs from 'binaryen';
import { binaryen } from '../wasm/binaryen.js';
import { codeMetrics, type Objective } from '../wasm/metrics.js';
import type { Genome } from '../islands/genome.js';
import type { Score } from './binaryen-tasks.js';

/**
 * Every option is global to the binaryen instance of this thread, so every task sets all of them; the
 * assumption-granting ones (trap-never-happen, low memory, fast math, closed world) are forced off. With a
 * module, the functions the knobs keep from inlining are marked in it (markInlining). A genome that names
 * functions to inline has no size limit: every other function is marked instead.
 */
export function setKnobs(knobs: Partial<Genome['knobs']>, module?: binaryenNs.Module): void {
  binaryen.setOptimizeLevel(knobs.optimizeLevel ?? 2);
  binaryen.setShrinkLevel(knobs.shrinkLevel ?? 2);
  binaryen.setAlwaysInlineMaxSize(knobs.inline?.length ? ANY_SIZE : (knobs.alwaysInlineMaxSize ?? 2));
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
  if (module) markInlining(module, knobs);
}

/** binaryen's inlining limits are unsigned sizes: "always inline" up to this means every size. */
const ANY_SIZE = 0x7fffffff;

/** The passes that read the marks markInlining leaves (binaryen's Inlining.cpp). */
const INLINING_PASSES: ReadonlySet<string> = new Set(['inlining', 'inlining-optimizing']);

export function readsInliningMarks(pass: string): boolean {
  return INLINING_PASSES.has(pass);
}

export function hasInliningMarks(knobs: Partial<Genome['knobs']>): boolean {
  return (knobs.noInline?.length ?? 0) > 0 || (knobs.inline?.length ?? 0) > 0;
}

/**
 * Marks with binaryen's no-inline pass (each name as its wildcard argument) the functions the knobs keep from
 * inlining: those of `noInline`, and when `inline` names functions, every other function of the module (so
 * that, with no size limit, only those are inlined). The mark lives on the function in memory: it holds for
 * every later pass on this module until the function is re-added (a reverted step re-adds it, so a proved
 * pipeline marks again before each inlining pass). A name with a wildcard character (`*`, `?`) marks the
 * functions it matches too: fewer inlined, never more.
 */
export function markInlining(module: binaryenNs.Module, knobs: Partial<Genome['knobs']>): void {
  const names = [...(knobs.noInline ?? [])];
  const inline = knobs.inline ?? [];
  if (inline.length > 0) {
    for (let i = 0; i < module.getNumFunctions(); i++) {
      const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
      if (!info.module && !inline.includes(info.name)) names.push(info.name);
    }
  }
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
