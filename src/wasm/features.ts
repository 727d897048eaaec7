import { AtollError, ErrorCodes } from '../protocol/errors.js';
import { readCustomSections } from './sections.js';

/**
 * WebAssembly features by their tool-convention names (the names LLVM writes into the target_features
 * section and wasm-opt accepts as --enable-NAME), with binaryen's flag for each. Plain numbers, so this file
 * does not load binaryen: the values are binaryen.Features as of binaryen 132.
 */
export const FEATURE_FLAGS = {
  'atomics': 1 << 0,
  'mutable-globals': 1 << 1,
  'nontrapping-fptoint': 1 << 2,
  'simd128': 1 << 3,
  'bulk-memory': 1 << 4,
  'sign-ext': 1 << 5,
  'exception-handling': 1 << 6,
  'tail-call': 1 << 7,
  'reference-types': 1 << 8,
  'multivalue': 1 << 9,
  'gc': 1 << 10,
  'memory64': 1 << 11,
  'relaxed-simd': 1 << 12,
  'extended-const': 1 << 13,
  'strings': 1 << 14,
  'multimemory': 1 << 15,
  'stack-switching': 1 << 16,
  'shared-everything': 1 << 17,
  'fp16': 1 << 18,
  'bulk-memory-opt': 1 << 19,
  'call-indirect-overlong': 1 << 20,
  'relaxed-atomics': 1 << 22,
  'custom-page-sizes': 1 << 23,
  'multibyte': 1 << 24,
  'wide-arithmetic': 1 << 25,
} as const satisfies Record<string, number>;

export type FeatureName = keyof typeof FEATURE_FLAGS;
export const MVP = 0;

/**
 * The order in which detection tries to drop features: everything atoll may keep when the input needs it.
 * Detection starts from all of them and removes each one the module validates without.
 */
export const DETECTABLE_FEATURES: readonly FeatureName[] = [
  // A feature comes before the ones it implies, so that dropping it can free them (see IMPLIED_FEATURES).
  'gc',
  'relaxed-simd',
  'bulk-memory',
  'mutable-globals',
  'sign-ext',
  'nontrapping-fptoint',
  'bulk-memory-opt',
  'call-indirect-overlong',
  'reference-types',
  'multivalue',
  'simd128',
  'tail-call',
  'extended-const',
  'atomics',
  'memory64',
  'multimemory',
  'exception-handling',
  'fp16',
  'wide-arithmetic',
];

export function isFeatureName(name: string): name is FeatureName {
  return Object.hasOwn(FEATURE_FLAGS, name);
}

/** Checks user-given feature names, naming the first unknown one. */
export function parseFeatureNames(names: readonly string[]): FeatureName[] {
  return names.map((name) => {
    if (!isFeatureName(name)) {
      throw new AtollError(
        ErrorCodes.BadOption,
        `unknown WebAssembly feature "${name}"; known: ${Object.keys(FEATURE_FLAGS).join(', ')}`,
      );
    }
    return name;
  });
}

/**
 * Features binaryen assumes whenever another is on (it asserts, and aborts, on e.g. bulk-memory without
 * bulk-memory-opt). Feature sets are always closed under this relation before binaryen sees them.
 */
export const IMPLIED_FEATURES: Partial<Record<FeatureName, readonly FeatureName[]>> = {
  'bulk-memory': ['bulk-memory-opt'],
  'gc': ['reference-types'],
  'relaxed-simd': ['simd128'],
};

/** Feature flags for the names, closed under IMPLIED_FEATURES. */
export function featuresToFlags(names: readonly string[]): number {
  let flags = MVP;
  for (const name of parseFeatureNames(names)) {
    flags |= FEATURE_FLAGS[name];
    for (const implied of IMPLIED_FEATURES[name] ?? []) flags |= FEATURE_FLAGS[implied];
  }
  return flags;
}

/** Whether `name` can be dropped from `flags` without leaving a feature that implies it. */
export function canDrop(flags: number, name: FeatureName): boolean {
  return !(Object.keys(IMPLIED_FEATURES) as FeatureName[]).some(
    (other) => other !== name && (flags & FEATURE_FLAGS[other]) !== 0 && IMPLIED_FEATURES[other]!.includes(name),
  );
}

export function flagsToFeatures(flags: number): FeatureName[] {
  return (Object.keys(FEATURE_FLAGS) as FeatureName[]).filter((name) => (flags & FEATURE_FLAGS[name]) !== 0);
}

/**
 * The features a module's target_features section declares as used ('+') or required ('='), or undefined
 * when it has no such section. Names atoll does not know are an error: guessing could add a feature.
 */
export function declaredFeatures(bytes: Uint8Array): FeatureName[] | undefined {
  const section = readCustomSections(bytes).find((s) => s.name === 'target_features');
  if (!section) return undefined;
  const data = section.payload;
  let offset = 0;
  const readLeb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (offset >= data.length) throw malformed();
      const byte = data[offset++]!;
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) throw malformed();
    }
  };
  const malformed = () =>
    new AtollError(ErrorCodes.MalformedWasm, 'the target_features custom section is malformed');
  const count = readLeb();
  const used: FeatureName[] = [];
  for (let i = 0; i < count; i++) {
    if (offset >= data.length) throw malformed();
    const prefix = String.fromCharCode(data[offset++]!);
    const length = readLeb();
    if (offset + length > data.length) throw malformed();
    const name = new TextDecoder().decode(data.subarray(offset, offset + length));
    offset += length;
    if (prefix === '-') continue;
    if (!isFeatureName(name)) {
      throw new AtollError(
        ErrorCodes.UnsupportedFeature,
        `the module's target_features section names "${name}", which atoll does not support`,
      );
    }
    used.push(name);
  }
  return used;
}
