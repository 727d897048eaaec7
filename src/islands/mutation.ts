import type { Prng } from '../util/prng.js';
import { cloneGenome, cloneKnobs, KNOB_LIMITS, MAX_NO_INLINE, type Genome, type Knobs } from './genome.js';

export type MutationOperator = 'insert' | 'delete' | 'swap' | 'move' | 'duplicate' | 'knob';

export const MUTATION_OPERATORS: readonly MutationOperator[] = ['insert', 'delete', 'swap', 'move', 'duplicate', 'knob'];

/** Longest pass list a mutation may produce, per genome kind: keeps an evaluation's cost bounded. */
export const MAX_PASSES = { pipeline: 120, refine: 16 } as const;

export interface Mutation {
  genome: Genome;
  operator: MutationOperator;
}

/**
 * One random edit. `passes` is the pool insertions draw from (already filtered to what the module's features
 * make useful, and never containing an excluded pass); `inlined` names the functions some pipeline inlined,
 * which a knob tweak may keep from inlining. An operator that cannot apply (deleting from a one-pass list)
 * falls back to another, so every call returns a changed or at least valid genome.
 */
export function mutate(parent: Genome, passes: readonly string[], rng: Prng, inlined: readonly string[] = []): Mutation {
  const genome = cloneGenome(parent);
  const list = genome.passes;
  const max = MAX_PASSES[genome.kind];
  for (let attempt = 0; attempt < 8; attempt++) {
    const operator = rng.pick(MUTATION_OPERATORS);
    switch (operator) {
      case 'insert':
        if (list.length >= max) continue;
        list.splice(rng.int(0, list.length), 0, rng.pick(passes));
        return { genome, operator };
      case 'delete':
        if (list.length <= 1) continue;
        list.splice(rng.int(0, list.length - 1), 1);
        return { genome, operator };
      case 'swap': {
        if (list.length < 2) continue;
        const i = rng.int(0, list.length - 1);
        const j = rng.int(0, list.length - 1);
        if (i === j || list[i] === list[j]) continue;
        [list[i], list[j]] = [list[j]!, list[i]!];
        return { genome, operator };
      }
      case 'move': {
        if (list.length < 2) continue;
        const [pass] = list.splice(rng.int(0, list.length - 1), 1);
        list.splice(rng.int(0, list.length), 0, pass!);
        return { genome, operator };
      }
      case 'duplicate': {
        const start = rng.int(0, list.length - 1);
        const length = rng.int(1, Math.min(6, list.length - start));
        if (list.length + length > max) continue;
        const slice = list.slice(start, start + length);
        list.splice(start + length, 0, ...slice);
        return { genome, operator };
      }
      case 'knob':
        tweakKnob(genome.knobs, rng, inlined);
        return { genome, operator };
    }
  }
  tweakKnob(genome.knobs, rng, inlined);
  return { genome, operator: 'knob' };
}

/** How far one tweak may move each plain numeric knob. */
const KNOB_STEPS = { optimizeLevel: 1, shrinkLevel: 1, alwaysInlineMaxSize: 4, flexibleInlineMaxSize: 15, converge: 1 } as const;

function tweakKnob(knobs: Knobs, rng: Prng, inlined: readonly string[]): void {
  const numeric = Object.keys(KNOB_STEPS) as Array<keyof typeof KNOB_STEPS>;
  const choice = rng.int(0, numeric.length + (inlined.length > 0 || knobs.noInline.length > 0 ? 2 : 1));
  if (choice < numeric.length) {
    const knob = numeric[choice]!;
    const [min, max] = KNOB_LIMITS[knob];
    const moved = knobs[knob] + (rng.chance(0.5) ? 1 : -1) * rng.int(1, KNOB_STEPS[knob]);
    knobs[knob] = Math.min(max, Math.max(min, moved));
  } else if (choice === numeric.length) {
    // -1 means "any size"; from there a tweak picks a limit, and a limit may go back to "any".
    const max = KNOB_LIMITS.oneCallerInlineMaxSize[1];
    const current = knobs.oneCallerInlineMaxSize;
    knobs.oneCallerInlineMaxSize =
      current === -1 ? rng.int(0, 200) : rng.chance(0.3) ? -1 : Math.min(max, Math.max(0, current + rng.int(-50, 50)));
  } else if (choice === numeric.length + 1) {
    knobs.inlineFunctionsWithLoops = !knobs.inlineFunctionsWithLoops;
  } else {
    knobs.noInline = toggleNoInline(knobs.noInline, inlined, rng);
  }
}

/** Keeps one more inlined function from inlining, or lets one go again (always when the list is full). */
function toggleNoInline(current: readonly string[], inlined: readonly string[], rng: Prng): string[] {
  const candidates = inlined.filter((name) => !current.includes(name));
  if (candidates.length > 0 && current.length < MAX_NO_INLINE && (current.length === 0 || rng.chance(0.6))) {
    return [...current, rng.pick(candidates)].sort();
  }
  const dropped = rng.pick(current);
  return current.filter((name) => name !== dropped);
}

/** One-point crossover of two pass lists of the same kind; knobs come from the first parent. */
export function crossover(a: Genome, b: Genome, rng: Prng): Genome {
  const cut = rng.int(0, a.passes.length);
  const cutB = rng.int(0, b.passes.length);
  const passes = [...a.passes.slice(0, cut), ...b.passes.slice(cutB)].slice(0, MAX_PASSES[a.kind]);
  return { kind: a.kind, passes: passes.length > 0 ? passes : [...a.passes], knobs: cloneKnobs(a.knobs) };
}
