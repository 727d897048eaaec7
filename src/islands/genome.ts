import { AtollError, ErrorCodes } from '../protocol/errors.js';
import { checkPassName } from './catalogue.js';

/** Global binaryen options a genome sets before its passes run (they are per thread in binaryen.js). */
export interface Knobs {
  /** 0..4, as wasm-opt's -O<n>. */
  optimizeLevel: number;
  /** 0..2: 1 is -Os, 2 is -Oz. */
  shrinkLevel: number;
  /** Functions this small are always inlined (binaryen default 2). */
  alwaysInlineMaxSize: number;
  /** Functions this small are inlined when the level allows "flexible" inlining (binaryen default 20). */
  flexibleInlineMaxSize: number;
  /** Functions with one caller up to this size are inlined; -1 means any size (binaryen default). */
  oneCallerInlineMaxSize: number;
  /** Whether functions containing loops may be inlined (binaryen default false). */
  inlineFunctionsWithLoops: boolean;
  /** Run the pass list up to this many times while the emitted module keeps shrinking (1 = once). */
  converge: number;
  /**
   * Functions never inlined, fully or partially (binaryen's `no-inline` pass, run before the genome's
   * passes with each name as its wildcard argument). Inlining is the decision that acts per function.
   */
  noInline: readonly string[];
  /**
   * Functions inlined into every caller whatever their size, and the only ones the genome's inlining passes
   * may inline (binaryen decides by size and caller count for all functions at once; this decides per
   * function). Empty: binaryen's own decisions under the limits above.
   */
  inline: readonly string[];
}

/**
 * What an island evolves. A `pipeline` genome is applied to the input module; a `refine` genome is a short
 * sequence applied on top of a module some island already produced (where gains beyond -Oz often hide:
 * repetition, cleanup suffixes, reordered late passes).
 */
export interface Genome {
  kind: 'pipeline' | 'refine';
  passes: string[];
  knobs: Knobs;
}

/**
 * A step of a module's history that is not a genome: the module was assembled from the smallest compatible
 * bodies the islands produced (src/workers/assemble.ts), over the module whose lineage precedes this step,
 * then cleaned up by passes that change no body.
 */
export interface AssemblyStep {
  kind: 'assembly';
  /** Function bodies taken from other modules. */
  bodies: number;
  /** The modules they came from (the input counts as one). */
  donors: number;
  cleanup: readonly string[];
  /**
   * The donor modules (not the input) that gave a body, kept only when the search is unchecked and its
   * champion is checked afterwards (report mode), which applies the assembly again as a checked step.
   */
  sources?: readonly Uint8Array[];
}

/** How a module came to be: genomes applied in order, starting from the input, and assemblies. */
export type LineageStep = Genome | AssemblyStep;

export const KNOB_LIMITS = {
  optimizeLevel: [0, 4],
  shrinkLevel: [0, 2],
  alwaysInlineMaxSize: [0, 64],
  flexibleInlineMaxSize: [0, 200],
  oneCallerInlineMaxSize: [-1, 1000],
  converge: [1, 4],
} as const satisfies Record<string, readonly [number, number]>;

export const DEFAULT_KNOBS: Knobs = {
  optimizeLevel: 2,
  shrinkLevel: 2,
  alwaysInlineMaxSize: 2,
  flexibleInlineMaxSize: 20,
  oneCallerInlineMaxSize: -1,
  inlineFunctionsWithLoops: false,
  converge: 1,
  noInline: [],
  inline: [],
};

/** Most functions one genome may name in noInline or inline: keeps its description and its marking short. */
export const MAX_NO_INLINE = 16;

/** Rejects a genome with an unknown or excluded pass or a knob out of range, before binaryen sees it. */
export function checkGenome(genome: Genome): void {
  if (genome.kind !== 'pipeline' && genome.kind !== 'refine') {
    throw new AtollError(ErrorCodes.BadOption, `genome kind must be "pipeline" or "refine"`);
  }
  if (genome.passes.length === 0) throw new AtollError(ErrorCodes.BadOption, 'a genome needs at least one pass');
  for (const pass of genome.passes) checkPassName(pass);
  for (const [knob, [min, max]] of Object.entries(KNOB_LIMITS)) {
    const value = genome.knobs[knob as keyof typeof KNOB_LIMITS];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new AtollError(ErrorCodes.BadOption, `knob ${knob} must be an integer in ${min}..${max}, got ${value}`);
    }
  }
  for (const knob of ['noInline', 'inline'] as const) {
    const names = genome.knobs[knob];
    if (!Array.isArray(names) || names.length > MAX_NO_INLINE || names.some((name) => typeof name !== 'string' || name === '')) {
      throw new AtollError(ErrorCodes.BadOption, `knob ${knob} must list at most ${MAX_NO_INLINE} function names`);
    }
  }
}

/**
 * A compact, stable text form: `[refine] O2 s2 ai2 fi20 oc-1 loops:n x1 | pass pass …`, or for an assembly
 * `[assembly] 7 bodies from 3 modules | remove-unused-module-elements reorder-functions`.
 */
export function describeGenome(step: LineageStep): string {
  if (step.kind === 'assembly') return `[assembly] ${step.bodies} bodies from ${step.donors} modules | ${step.cleanup.join(' ')}`;
  const k = step.knobs;
  const knobs =
    `O${k.optimizeLevel} s${k.shrinkLevel} ai${k.alwaysInlineMaxSize} fi${k.flexibleInlineMaxSize} ` +
    `oc${k.oneCallerInlineMaxSize} loops:${k.inlineFunctionsWithLoops ? 'y' : 'n'} x${k.converge}` +
    (k.noInline.length > 0 ? ` no-inline:${k.noInline.join(',')}` : '') +
    (k.inline.length > 0 ? ` inline:${k.inline.join(',')}` : '');
  return `${step.kind === 'refine' ? '[refine] ' : ''}${knobs} | ${step.passes.join(' ')}`;
}

export function cloneGenome(genome: Genome): Genome {
  return { kind: genome.kind, passes: [...genome.passes], knobs: cloneKnobs(genome.knobs) };
}

/** The knobs with their own copies of the name lists. */
export function cloneKnobs(knobs: Knobs): Knobs {
  return { ...knobs, noInline: [...knobs.noInline], inline: [...knobs.inline] };
}
