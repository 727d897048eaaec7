import { AtollError, ErrorCodes } from '../protocol/errors.js';
import type { BinaryenModule } from './binaryen.js';
import { canDrop, DETECTABLE_FEATURES, FEATURE_FLAGS, featuresToFlags, flagsToFeatures, MVP, type FeatureName } from './features.js';

const ALL_DETECTABLE = featuresToFlags(DETECTABLE_FEATURES);

/**
 * The feature set to optimize with. An explicit override wins; then the target_features section; otherwise
 * the smallest set the module validates with, found by dropping each feature in turn from everything atoll
 * supports. The output must run wherever the input ran, so binaryen must never be allowed a feature the
 * input did not need (it would, for example, introduce sign-ext instructions).
 *
 * `module` must have been read with every detectable feature enabled; its feature set is left as chosen.
 */
export function chooseFeatures(
  module: BinaryenModule,
  declared: readonly FeatureName[] | undefined,
  override: readonly FeatureName[] | undefined,
): { flags: number; names: FeatureName[]; source: 'override' | 'target_features' | 'detected' } {
  const fixed = override ?? declared;
  if (fixed) {
    const flags = featuresToFlags(fixed);
    module.setFeatures(flags);
    if (!module.validate()) {
      throw new AtollError(
        ErrorCodes.InvalidWasm,
        `the module does not validate with the features ${override ? 'given' : 'its target_features section declares'}` +
          ` (${fixed.join(', ') || 'mvp'})`,
      );
    }
    return { flags, names: flagsToFeatures(flags), source: override ? 'override' : 'target_features' };
  }
  module.setFeatures(ALL_DETECTABLE);
  if (!module.validate()) {
    throw new AtollError(
      ErrorCodes.UnsupportedFeature,
      'binaryen cannot validate the module with any feature set atoll supports ' +
        `(${DETECTABLE_FEATURES.join(', ')}); it may use a proposal binaryen does not implement`,
    );
  }
  // Most modules without a target_features section need no feature at all: one validation says so, where
  // dropping features one by one takes one per feature (19; 2.9 ms of a 5 ms ingest on as-sha256). No set is
  // smaller than none, so this is the answer the search below would reach.
  module.setFeatures(MVP);
  if (validatesQuietly(module)) return { flags: MVP, names: flagsToFeatures(MVP), source: 'detected' };
  let flags = ALL_DETECTABLE;
  for (const name of DETECTABLE_FEATURES) {
    if (!canDrop(flags, name)) continue;
    const without = flags & ~FEATURE_FLAGS[name];
    module.setFeatures(without);
    if (validatesQuietly(module)) flags = without;
  }
  module.setFeatures(flags);
  return { flags, names: flagsToFeatures(flags), source: 'detected' };
}

/**
 * binaryen writes every failed validation to stderr (a daemon's log filled with `[wasm-validator error …]`
 * for healthy modules); while probing which features a module needs, a failure is an answer, not an error.
 * validate() is synchronous, so nothing else in this thread writes meanwhile.
 */
function validatesQuietly(module: BinaryenModule): boolean {
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return Boolean(module.validate());
  } finally {
    process.stderr.write = write;
  }
}

export { ALL_DETECTABLE };
