import type { EvaluateResult } from '../workers/binaryen-tasks.js';
import type { Genome } from './genome.js';
import { extendProof, type Resident, type ResidentProof } from './population.js';
import { ALTERNATIVES, appliedGenome, binaryenPreset, type Alternative, type PresetName } from './presets.js';

/** One preset applied on top of its parent's module: a node of the tree the alternatives' presets form. */
interface Step {
  /** The presets from the input to here, e.g. `O4 Oz`. */
  key: string;
  parent: Step | undefined;
  genome: Genome;
  /** The island that owns the first alternative passing through this step. */
  island: number;
}

export interface StartingPopulation {
  /** Each alternative's module and the time its steps took, in ALTERNATIVES order (undefined where a step failed). */
  alternatives: Array<{ alternative: Alternative; resident: Resident | undefined; ms: number }>;
  /** Every module produced on the way, intermediate steps (`-O4` alone) included, in step order. */
  produced: Resident[];
  failures: Array<{ island: number; error: string }>;
  /** Evaluations and their summed time, per island. */
  work: Array<{ evaluations: number; failures: number; ms: number }>;
}

/**
 * The alternatives as steps: the first preset of each is a pipeline genome applied to the input, each later
 * one a refinement applied to the module before it. Alternatives that start alike share their steps (`-Oz ×2`
 * goes on from `-Oz`'s module), and alternative i belongs to island (firstIsland + i) mod islands.
 */
export function alternativeSteps(islands: number, alternatives: readonly Alternative[] = ALTERNATIVES, firstIsland = 0): Step[] {
  const steps = new Map<string, Step>();
  alternatives.forEach((alternative, index) => {
    let parent: Step | undefined;
    alternative.presets.forEach((preset, depth) => {
      const key = alternative.presets.slice(0, depth + 1).join(' ');
      let step = steps.get(key);
      if (!step) {
        step = { key, parent, genome: presetStep(preset, depth === 0), island: (firstIsland + index) % islands };
        steps.set(key, step);
      }
      parent = step;
    });
  });
  return [...steps.values()];
}

function presetStep(preset: PresetName, first: boolean): Genome {
  const genome = binaryenPreset(preset);
  return first ? genome : { ...genome, kind: 'refine' };
}

/** A step's evaluation, the genomes from the input to its module, and (with checks) the proof of that chain. */
interface Outcome {
  result: EvaluateResult;
  lineage: Genome[];
  proof?: ResidentProof;
}

/**
 * Generation 0: evaluates every alternative's steps on the pool, each step as soon as its parent is done (the
 * pool runs as many at once as it has threads). Results are gathered in a fixed order after all are done, so
 * the order in which workers finish cannot change the outcome.
 */
export async function evaluateAlternatives(
  islands: number,
  input: Uint8Array,
  evaluate: (base: Uint8Array, genome: Genome, island: number) => Promise<EvaluateResult>,
  alternatives: readonly Alternative[] = ALTERNATIVES,
  firstIsland = 0,
): Promise<StartingPopulation> {
  const steps = alternativeSteps(islands, alternatives, firstIsland);
  const running = new Map<Step, Promise<Outcome | undefined>>();
  const run = (step: Step): Promise<Outcome | undefined> => {
    let promise = running.get(step);
    if (!promise) {
      promise = (async () => {
        const parent = step.parent ? await run(step.parent) : undefined;
        if (step.parent && (!parent || !parent.result.ok)) return undefined;
        const base = parent?.result.ok ? parent.result.named : input;
        const result = await evaluate(base, step.genome, step.island);
        // With checks, a later preset's proof goes on from its parent's: the chain runs from the input.
        const proof = result.ok && result.proof ? extendProof(parent?.proof, result.proof) : undefined;
        return { result, lineage: [...(parent?.lineage ?? []), appliedGenome(step.genome, result)], ...(proof ? { proof } : {}) };
      })();
      running.set(step, promise);
    }
    return promise;
  };
  const outcomes = await Promise.all(steps.map(run));

  const work = Array.from({ length: islands }, () => ({ evaluations: 0, failures: 0, ms: 0 }));
  const failures: StartingPopulation['failures'] = [];
  const byKey = new Map<string, Resident>();
  const msByKey = new Map<string, number>();
  const produced: Resident[] = [];
  steps.forEach((step, i) => {
    const outcome = outcomes[i];
    if (!outcome) return;
    const { result, lineage, proof } = outcome;
    const tally = work[step.island]!;
    tally.evaluations++;
    tally.ms += result.ms;
    msByKey.set(step.key, (step.parent ? msByKey.get(step.parent.key) ?? 0 : 0) + result.ms);
    if (!result.ok) {
      tally.failures++;
      failures.push({ island: step.island, error: `${step.key}: ${result.error}` });
      return;
    }
    const resident: Resident = {
      lineage,
      named: result.named,
      stripped: result.stripped,
      score: result.score,
      island: step.island,
      generation: 0,
      ...(proof ? { proof } : {}),
    };
    byKey.set(step.key, resident);
    produced.push(resident);
  });
  return {
    alternatives: alternatives.map((alternative) => {
      const key = alternative.presets.join(' ');
      return { alternative, resident: byKey.get(key), ms: msByKey.get(key) ?? 0 };
    }),
    produced,
    failures,
    work,
  };
}
