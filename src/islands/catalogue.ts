import { AtollError, ErrorCodes } from '../protocol/errors.js';
import type { FeatureName } from '../wasm/features.js';

/**
 * Every pass binaryen 132 registers (`wasm-opt --help`) and atoll's own (`src/workers/passes/`), classified once:
 * - `function`: works inside one function at a time; what the verifier checks function by function;
 * - `module`: looks across functions or changes module structure (inlining, DCE of functions, globals);
 * - `excluded`: never run by atoll, with the reason. Passes that change semantics or rely on assumptions the
 *   input did not grant, lowerings, instrumentation, printing and debugging.
 * `needs` marks passes that do nothing without a feature (GC type optimizations on an MVP module), so the
 * search does not spend evaluations on them.
 */
export type PassKind = 'function' | 'module' | 'excluded';

export interface PassInfo {
  name: string;
  kind: PassKind;
  /** Why an excluded pass is excluded. */
  reason?: string;
  /** The feature without which the pass has nothing to do. */
  needs?: FeatureName;
  /** Why mutation never inserts this allowed pass (a genome may still name it). */
  unsearched?: string;
  /** atoll runs it itself (`src/workers/passes/`); binaryen has no pass of this name. */
  own?: true;
}

const fn = (name: string, needs?: FeatureName): PassInfo => ({ name, kind: 'function', ...(needs ? { needs } : {}) });
const mod = (name: string, needs?: FeatureName): PassInfo => ({ name, kind: 'module', ...(needs ? { needs } : {}) });
const no = (reason: string, ...names: string[]): PassInfo[] => names.map((name) => ({ name, kind: 'excluded', reason }));
/** Read in binaryen's src/passes/: these verify that the function is flat (`Flat::verifyFlatness`) and throw otherwise. */
const flatOnly = (info: PassInfo): PassInfo => ({ ...info, unsearched: 'needs flat IR: binaryen throws unless `flatten` ran just before' });

export const PASSES: readonly PassInfo[] = [
  fn('avoid-reinterprets'),
  fn('coalesce-locals'),
  fn('coalesce-locals-learning'),
  fn('code-folding'),
  fn('code-pushing'),
  fn('const-hoisting'),
  fn('constraint-analysis'),
  fn('dce'),
  flatOnly(fn('dfo')),
  fn('flatten'),
  fn('heap-store-optimization', 'gc'),
  fn('heap2local', 'gc'),
  fn('licm'),
  fn('local-cse'),
  fn('local-subtyping', 'gc'),
  fn('merge-blocks'),
  fn('merge-locals'),
  fn('optimize-casts', 'gc'),
  fn('optimize-instructions'),
  fn('pick-load-signs'),
  fn('precompute'),
  fn('precompute-propagate'),
  fn('remove-unused-brs'),
  fn('remove-unused-names'),
  fn('reorder-locals'),
  flatOnly(fn('rereloop')),
  fn('rse'),
  fn('simplify-locals'),
  fn('simplify-locals-nonesting'),
  fn('simplify-locals-nostructure'),
  fn('simplify-locals-notee'),
  fn('simplify-locals-notee-nostructure'),
  fn('ssa'),
  fn('ssa-nomerge'),
  fn('tuple-optimization', 'multivalue'),
  fn('untee'),
  fn('vacuum'),
  // Store-to-load forwarding in linear memory (src/workers/passes/forward-stores.ts).
  { ...fn('forward-stores'), own: true },

  mod('abstract-type-refining', 'gc'),
  mod('cfp', 'gc'),
  mod('cfp-reftest', 'gc'),
  mod('dae'),
  mod('dae-optimizing'),
  mod('directize'),
  mod('discard-global-effects'),
  mod('duplicate-function-elimination'),
  mod('duplicate-import-elimination'),
  mod('generate-global-effects'),
  mod('global-refining', 'gc'),
  mod('gsi', 'gc'),
  mod('gsi-desc-cast', 'gc'),
  mod('gto', 'gc'),
  mod('gufa'),
  mod('gufa-optimizing'),
  mod('inline-main'),
  mod('inlining'),
  mod('inlining-optimizing'),
  mod('limit-segments'),
  mod('memory-packing'),
  mod('merge-similar-functions'),
  mod('minimize-rec-groups', 'gc'),
  mod('monomorphize'),
  { ...mod('monomorphize-always'), unsearched: 'specializes even where it does not help: only grows the module' },
  mod('once-reduction'),
  mod('propagate-globals-globally'),
  mod('remove-unused-module-elements'),
  mod('remove-unused-nonfunction-module-elements'),
  mod('remove-unused-types', 'gc'),
  mod('reorder-functions'),
  mod('reorder-functions-by-name'),
  mod('reorder-globals'),
  mod('reorder-types', 'gc'),
  mod('signature-pruning', 'gc'),
  mod('signature-refining', 'gc'),
  mod('simplify-globals'),
  mod('simplify-globals-optimizing'),
  mod('string-gathering', 'strings'),
  mod('type-finalizing', 'gc'),
  mod('type-merging', 'gc'),
  mod('type-refining', 'gc'),
  mod('type-refining-gufa', 'gc'),
  mod('type-ssa', 'gc'),
  mod('unsubtyping', 'gc'),

  ...no(
    'changes trapping behaviour or assumes what the input did not promise',
    'trap-mode-clamp',
    'trap-mode-js',
    'optimize-added-constants',
    'optimize-added-constants-propagate',
    'denan',
    'strip-eh',
    'enclose-world',
    'gufa-cast-all',
    'post-emscripten',
    'optimize-for-js',
    'optimize-j2cl',
    'merge-j2cl-itables',
    'remove-non-js-ops',
    'stub-unsupported-js',
    'remove-relaxed-simd',
    'make-shared-objects',
  ),
  ...no(
    'changes the module interface (imports, exports, memory initialization)',
    'remove-exports',
    'remove-imports',
    'remove-memory',
    'remove-memory-init',
    'minify-imports',
    'minify-imports-and-exports',
    'minify-imports-and-exports-and-modules',
    'legalize-js-interface',
    'legalize-and-prune-js-interface',
    'mark-js-called',
    'generate-dyncalls',
    'generate-i64-dyncalls',
    'asyncify',
    'fpcast-emu',
    'spill-pointers',
    'stack-check',
    'safe-heap',
  ),
  ...no(
    'lowers to a smaller feature set or another IR form (never an optimization)',
    'alignment-lowering',
    'dealign',
    'i64-to-i32-lowering',
    'signext-lowering',
    'llvm-memory-copy-fill-lowering',
    'llvm-nontrapping-fptoint-lowering',
    'memory64-lowering',
    'table64-lowering',
    'multi-memory-lowering',
    'multi-memory-lowering-with-bounds-checks',
    'intrinsic-lowering',
    'translate-to-exnref',
    'translate-to-new-eh',
    'string-lowering',
    'string-lowering-magic-imports',
    'string-lowering-magic-imports-assert',
    'string-lifting',
    'poppify',
    'type-unfinalizing',
  ),
  ...no(
    'instrumentation',
    'instrument-branch-hints',
    'instrument-locals',
    'instrument-memory',
    'log-execution',
    'trace-calls',
  ),
  ...no(
    'prints or dumps (stdout carries the protocol), or writes files',
    'print',
    'print-boundary',
    'print-call-graph',
    'print-features',
    'print-full',
    'print-function-map',
    'print-minified',
    'symbolmap',
    'nm',
    'metrics',
    'func-metrics',
    'dwarfdump',
    'souperify',
    'souperify-single-use',
    'separate-data-segments',
  ),
  ...no(
    'metadata, names or debug info only; atoll controls these when it emits',
    'emit-target-features',
    'strip-target-features',
    'strip',
    'strip-debug',
    'strip-dwarf',
    'strip-producers',
    'strip-toolchain-annotations',
    'propagate-debug-locs',
    'name-types',
    'roundtrip',
  ),
  ...no('needs arguments that only make sense for one module', 'extract-function', 'extract-function-index', 'set-globals'),
  ...no(
    'marks functions for the inlining passes after it: the genome knob noInline runs it before every pass',
    'no-inline',
    'no-full-inline',
    'no-partial-inline',
  ),
  ...no('experimental in binaryen 132', 'dae2'),
];

const BY_NAME = new Map(PASSES.map((p) => [p.name, p]));

/**
 * A pseudo-pass: binaryen's own default pipeline at the genome's levels (`module.optimize()`), what
 * `wasm-opt -O<level>` runs. A genome holding only this pass *is* binaryen's -Oz (at levels 2/2).
 */
export const DEFAULT_PIPELINE = 'default-pipeline';

export function passInfo(name: string): PassInfo | undefined {
  return BY_NAME.get(name);
}

/** Passes mutation may insert on a module with these features. */
export function searchablePasses(features: readonly FeatureName[]): string[] {
  return PASSES.filter((p) => p.kind !== 'excluded' && !p.unsearched && (!p.needs || features.includes(p.needs))).map((p) => p.name);
}

/** Throws before binaryen sees an unknown or excluded name (binaryen throws a bare object for unknown names). */
export function checkPassName(name: string): void {
  if (name === DEFAULT_PIPELINE) return;
  const info = BY_NAME.get(name);
  if (!info) throw new AtollError(ErrorCodes.BadOption, `unknown pass "${name}"`);
  if (info.kind === 'excluded') {
    throw new AtollError(ErrorCodes.BadOption, `pass "${name}" is excluded: ${info.reason}`);
  }
}
