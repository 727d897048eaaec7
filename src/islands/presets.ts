import { DEFAULT_PIPELINE } from './catalogue.js';
import { DEFAULT_KNOBS, type Genome, type Knobs } from './genome.js';
import { ON_TOUCHED, type EvaluateResult } from '../workers/binaryen-tasks.js';

/**
 * binaryen's default pipeline (`PassRunner::addDefaultOptimizationPasses` in src/passes/pass.cpp) written
 * out as explicit pass lists, for a module without GC or multivalue and without --low-memory-unused:
 * global pre-passes, the per-function list, global post-passes. The conditions are binaryen's.
 * `test/integration/presets.test.ts` measures how close the explicit -Oz comes to binaryen's own.
 */
export function defaultPipelinePasses(optimizeLevel: number, shrinkLevel: number): string[] {
  const o = optimizeLevel;
  const s = shrinkLevel;
  const { passes, add } = passList();

  // Global pre-passes.
  add(true, 'duplicate-function-elimination');
  add(o >= 2, 'remove-unused-module-elements');
  add(true, 'memory-packing');
  add(o >= 2, 'once-reduction');

  passes.push(...defaultFunctionPasses(o, s));

  // Global post-passes.
  add(o >= 2 || s >= 1, 'dae-optimizing');
  add(o >= 2 || s >= 2, 'inlining-optimizing');
  add(true, 'duplicate-function-elimination', 'duplicate-import-elimination');
  add(s >= 2, 'merge-similar-functions');
  add(true, o >= 2 || s >= 2 ? 'simplify-globals-optimizing' : 'simplify-globals');
  add(true, 'remove-unused-module-elements');
  add(o >= 2, 'reorder-globals');
  add(true, 'directize');
  return passes;
}

/** A pass list built under binaryen's conditions: `add(condition, …names)`. */
function passList(): { passes: string[]; add(condition: boolean, ...names: string[]): void } {
  const passes: string[] = [];
  return { passes, add: (condition, ...names) => void (condition && passes.push(...names)) };
}

/** The per-function part of the default pipeline (`addDefaultFunctionOptimizationPasses`). */
export function defaultFunctionPasses(optimizeLevel: number, shrinkLevel: number): string[] {
  const o = optimizeLevel;
  const s = shrinkLevel;
  const { passes, add } = passList();
  const precompute = o >= 3 || s >= 2 ? 'precompute-propagate' : 'precompute';
  add(o >= 3 || s >= 1, 'ssa-nomerge');
  add(o >= 4, 'flatten', 'simplify-locals-notee-nostructure', 'local-cse');
  add(true, 'dce', 'remove-unused-names', 'remove-unused-brs', 'remove-unused-names', 'optimize-instructions');
  add(o >= 2 || s >= 2, 'pick-load-signs');
  add(true, precompute);
  add(o >= 2 || s >= 2, 'code-pushing');
  add(true, 'simplify-locals-nostructure', 'vacuum', 'reorder-locals', 'remove-unused-brs');
  add(o >= 3 || s >= 2, 'merge-locals');
  add(true, 'coalesce-locals');
  add(o >= 3 || s >= 1, 'local-cse');
  add(true, 'simplify-locals', 'vacuum', 'reorder-locals', 'coalesce-locals', 'reorder-locals', 'vacuum');
  add(o >= 3 || s >= 1, 'code-folding');
  add(true, 'merge-blocks', 'remove-unused-brs', 'remove-unused-names', 'merge-blocks', precompute);
  add(true, 'optimize-instructions');
  add(o >= 2 || s >= 1, 'rse');
  add(true, 'vacuum');
  return passes;
}

/**
 * Module passes that re-run the function pipeline on the functions they changed (binaryen's
 * `optimizeAfterInlining`: precompute-propagate, then the per-function list), and the pass they start with.
 */
export const NESTED_PIPELINES: Readonly<Record<string, string>> = {
  'inlining-optimizing': 'inlining',
  'dae-optimizing': 'dae',
  'simplify-globals-optimizing': 'simplify-globals',
};

/** A genome as it is applied with every step checked: explicit passes, nested pipelines whole or as their parts. */
export function checkedGenome(genome: Genome, splitNested: boolean): Genome {
  const explicit = expandDefaultPipeline(genome);
  return splitNested ? splitNestedPipelines(explicit) : explicit;
}

/**
 * The genome as an evaluation applied it: the genome itself, or when a time budget stopped its checked run
 * (EvaluateResult.stopped), the passes that ran, once — what the module is the result of.
 */
export function appliedGenome(genome: Genome, result: EvaluateResult): Genome {
  return result.ok && result.stopped ? { ...genome, passes: result.stopped, knobs: { ...genome.knobs, converge: 1 } } : genome;
}

/**
 * A nested pipeline written as its parts: the module pass, then each pass of the function pipeline it
 * re-runs, applied only to the functions the module pass changed, so each is a step of its own.
 */
export function splitNestedPipelines(genome: Genome): Genome {
  const { optimizeLevel, shrinkLevel } = genome.knobs;
  const after = ['precompute-propagate', ...defaultFunctionPasses(optimizeLevel, shrinkLevel)].map((pass) => `${pass}${ON_TOUCHED}`);
  const passes = genome.passes.flatMap((pass) => (NESTED_PIPELINES[pass] ? [NESTED_PIPELINES[pass]!, ...after] : [pass]));
  return { ...genome, passes, knobs: { ...genome.knobs } };
}

export const PRESET_LEVELS = {
  O1: [1, 0],
  O2: [2, 0],
  O3: [3, 0],
  O4: [4, 0],
  Os: [2, 1],
  Oz: [2, 2],
} as const satisfies Record<string, readonly [number, number]>;

export type PresetName = keyof typeof PRESET_LEVELS;

function levels(preset: PresetName): Knobs {
  const [optimizeLevel, shrinkLevel] = PRESET_LEVELS[preset];
  return { ...DEFAULT_KNOBS, optimizeLevel, shrinkLevel };
}

/**
 * The genome as the passes it runs: each `default-pipeline` pseudo-pass written out as binaryen's default
 * pipeline at the genome's levels (byte for byte what `optimize()` runs; test/integration/presets.test.ts).
 * Applying a genome with every step checked needs this: `optimize()` is one opaque step.
 */
export function expandDefaultPipeline(genome: Genome): Genome {
  const { optimizeLevel, shrinkLevel } = genome.knobs;
  const passes = genome.passes.flatMap((pass) => (pass === DEFAULT_PIPELINE ? defaultPipelinePasses(optimizeLevel, shrinkLevel) : [pass]));
  return { ...genome, passes, knobs: { ...genome.knobs } };
}

/**
 * What a user would run instead of atoll: binaryen presets applied one after another, as `wasm-opt -O4 -Oz
 * -Oz` does. The bench measures each of them beside atoll; the archipelago evaluates all of them before it
 * searches, so its champion is never larger than any of them.
 */
export interface Alternative {
  name: string;
  presets: readonly PresetName[];
}

export const ALTERNATIVES: readonly Alternative[] = [
  { name: '-Oz', presets: ['Oz'] },
  { name: '-Oz ×2', presets: ['Oz', 'Oz'] },
  { name: '-O3 -Oz', presets: ['O3', 'Oz'] },
  { name: '-O4 -Oz ×2', presets: ['O4', 'Oz', 'Oz'] },
  { name: '-Os', presets: ['Os'] },
];

/**
 * A search of at most this many generations after generation 0 starts from SHORT_RUN_ALTERNATIVES only; a
 * longer one from every alternative (the same generation 0 as before the short list, so its bytes are the same).
 */
export const SHORT_RUN_GENERATIONS = 2;

/**
 * The alternatives a short search starts from: two chains of two presets each (`-Oz` then `-Oz`, `-O3` then
 * `-Oz`), one per core on two cores, so generation 0 takes about twice one -Oz. `-O4 -Oz ×2` alone is 3–4×
 * one -Oz (the longest chain, so generation 0 waited for it) and `-Os` was never below `-Oz` on the corpus.
 * Measured on the corpus (README, "Options and defaults"): without them a default search (verify off) still
 * ended at or below every alternative, the two left out included, on every module.
 */
const SHORT_RUN_ALTERNATIVES: readonly string[] = ['-Oz', '-Oz ×2', '-O3 -Oz'];

/**
 * What generation 0 of an unchecked search runs when the caller does not say (the engine's
 * defaultAlternatives): every alternative for a long search, the cheap ones for a short one
 * (SHORT_RUN_GENERATIONS). The champion is never larger than any alternative generation 0 ran.
 */
export function startingAlternatives(generations: number): readonly Alternative[] {
  return generations > SHORT_RUN_GENERATIONS ? ALTERNATIVES : ALTERNATIVES.filter((a) => SHORT_RUN_ALTERNATIVES.includes(a.name));
}

/** A preset as an explicit pass list, which the search can then mutate pass by pass. */
export function explicitPreset(preset: PresetName): Genome {
  const knobs = levels(preset);
  return { kind: 'pipeline', passes: defaultPipelinePasses(knobs.optimizeLevel, knobs.shrinkLevel), knobs };
}

/** Exactly binaryen's own pipeline at the preset's levels: the baseline the archipelago never does worse than. */
export function binaryenPreset(preset: PresetName): Genome {
  return { kind: 'pipeline', passes: [DEFAULT_PIPELINE], knobs: levels(preset) };
}

/**
 * A short sequence worth trying on top of an already optimized module, with knobs it sets over those its
 * module was emitted with (an inlining limit, say).
 */
export interface RefinementSeed {
  passes: readonly string[];
  knobs?: Partial<Pick<Knobs, 'alwaysInlineMaxSize' | 'flexibleInlineMaxSize' | 'oneCallerInlineMaxSize' | 'inlineFunctionsWithLoops'>>;
}

/**
 * Short sequences worth trying on top of an already optimized module: passes the presets do not run or run
 * only early, a second round of the late passes with other inlining limits, local cleanups and the
 * module-level shrinkers. A refine island first applies them in this order, each unmutated, to its best
 * module (see the archipelago's sweep), then starts from them and mutates them. The order is by what each
 * saved per unit of time on the corpus after generation 0 (README "Search against what a user would run
 * instead"): cheap passes that pay only as the last step first, the seeds that run a whole -Oz after them.
 */
export const REFINEMENT_SEEDS: readonly RefinementSeed[] = [
  // const-hoisting is a size pass no preset runs: a constant used often enough goes into a local set once
  // (a local.get is 2 bytes), which any later precompute undoes, so it pays only last. optimize-instructions
  // after -Oz's final passes still finds rewrites its own last run enabled.
  { passes: ['optimize-instructions', 'const-hoisting'] },
  // Loads of a slot just stored read the stored value from a local (atoll's forward-stores: unoptimized C
  // reloads every variable from its stack frame), then the local cleanups that also pay alone.
  { passes: ['forward-stores', 'simplify-locals', 'vacuum', 'reorder-locals', 'coalesce-locals', 'merge-blocks', 'remove-unused-brs', 'vacuum'] },
  { passes: ['code-folding', 'merge-blocks', 'remove-unused-brs', 'remove-unused-names', 'vacuum'] },
  { passes: ['ssa-nomerge', 'precompute-propagate', 'merge-locals', 'coalesce-locals', 'simplify-locals', 'vacuum', 'rse'] },
  // -Oz again with functions up to twice binaryen's default size always inlined: a call and its arguments
  // often cost more than so small a body. A whole -Oz: after the cheap seeds, which fit a default run.
  { passes: [DEFAULT_PIPELINE], knobs: { alwaysInlineMaxSize: 4 } },
  { passes: [DEFAULT_PIPELINE] },
  // Most-used functions first: their calls take one-byte indices (-0.5 % on gofmt, 514 functions).
  { passes: ['reorder-functions'] },
  { passes: ['duplicate-function-elimination', 'remove-unused-module-elements', 'reorder-functions'] },
  { passes: ['precompute-propagate', 'optimize-instructions', 'local-cse', 'simplify-locals', 'vacuum'] },
  { passes: ['inlining-optimizing', 'duplicate-function-elimination', 'remove-unused-module-elements'] },
  { passes: ['merge-similar-functions', 'duplicate-function-elimination', 'remove-unused-module-elements'] },
  { passes: ['dae-optimizing', 'simplify-globals-optimizing', 'remove-unused-module-elements', 'directize'] },
];

/**
 * After the seeds, a refine island tries this many functions of its best module one at a time, each inlined
 * into every caller whatever its size and nothing else inlined (Knobs.inline; the candidates are called
 * functions, smallest body first: workers/inlining-candidates.ts). binaryen's -Oz inlines only functions of
 * at most 2 instructions when they have several callers; trying one function at a time keeps the ones that
 * pay (measured on the default champions: argon2-browser −80 B for one 9-byte function with 64 callers,
 * gofmt −62 B over six functions of 14–18 bytes, as-sha256 −20 B) without the ones that grow the module,
 * which a larger size limit would inline with them.
 */
export const INLINING_TRIALS = 24;

/** Inlines `name` into every caller, and nothing else, over the knobs of the module it is applied to. */
export function inliningGenome(name: string, knobs: Knobs): Genome {
  return { kind: 'refine', passes: ['inlining-optimizing'], knobs: { ...knobs, noInline: [...knobs.noInline], inline: [name], converge: 1 } };
}

/**
 * Passes a pipeline island first puts in front of its best module's pipeline, one per generation, each on
 * its own (see the archipelago's sweep): a preset runs its passes in a fixed order, and one cleanup pass
 * before it changes what its SSA, inlining and local passes start from. Random insertion rarely finds this
 * (one position of fifty, one pass of seventy); measured on the corpus's small modules (README): simplify-locals
 * first saved 3–73 B after the rest of the lineage on three modules, rse first 4 B on the unoptimized build.
 */
export const PIPELINE_PREFIXES: readonly (readonly string[])[] = [
  // The preset then starts from values forwarded from stores to loads (see the refine seed): rabin −37 B.
  ['forward-stores'],
  ['simplify-locals'],
  ['rse'],
  ['optimize-instructions'],
  ['local-cse'],
  ['code-folding'],
  // Changes no code: it records what each function may do (binaryen's --generate-global-effects, as
  // `wasm-opt --generate-global-effects -Oz`), so that the preset's passes may move or drop code around a
  // call to a function that touches nothing it depends on. At 20 generations: as-sha256 −7 B, its
  // untouched.wasm −3 B, optimized.simd.wasm −7 B, argon2-browser's argon2-simd.wasm −34 B.
  ['generate-global-effects'],
];

/**
 * A seed as the refine genome it starts, over the knobs of the module it is applied to; `inline` is not
 * carried over (it named functions of that module's own step, which inlined them).
 */
export function seedGenome(seed: RefinementSeed, knobs: Knobs): Genome {
  return { kind: 'refine', passes: [...seed.passes], knobs: { ...knobs, ...seed.knobs, noInline: [...knobs.noInline], inline: [], converge: 1 } };
}
