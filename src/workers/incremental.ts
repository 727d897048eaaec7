import type binaryenNs from 'binaryen';
import { binaryen, emitModule, readModule, withModule } from '../wasm/binaryen.js';
import { extractOutline, functionHash, IrExtractor, signatureOf, type IrModule } from '../wasm/ir.js';
import { sameBytes } from '../wasm/bytes.js';
import { bodiesOfOneModule } from '../wasm/code-section.js';
import { functionBodySizes, withoutNameSection } from '../wasm/names.js';
import { planIncremental, type IncrementalView, type ModuleOutline } from '../verify/incremental-rule.js';
import type { IncrementalResult, IncrementalTask } from './binaryen-tasks.js';
import { score, setKnobs } from './knobs.js';
import { runProvedPipeline, type PipelineEnv } from './pipeline/proved-pipeline.js';
import { copyFunction, moduleIr } from './pipeline/tracked-module.js';

/**
 * An incremental rebuild on this thread: decide whether the previous output may be patched
 * (verify/incremental-rule.ts), put the changed bodies into it, and run the function passes on them alone as
 * a proved pipeline from that patched module (every step checked in it, like any pipeline's). Declined, the
 * caller rebuilds another way.
 */
export async function rebuildIncrementally(task: IncrementalTask, env: PipelineEnv): Promise<IncrementalResult> {
  const started = performance.now();
  // The previous output is read once: its outline for the plan, then patched in place.
  const output = readModule(task.previousOutput, task.flags);
  let plan: { rebuild: string[]; patched: Uint8Array | undefined } | { declined: string };
  try {
    plan = withModule(task.input, task.flags, (input) => {
      const extractor = new IrExtractor(binaryen);
      const outline = extractOutline(binaryen, input);
      let whole: IrModule | undefined;
      const wholeInput = () => (whole ??= moduleIr(input, task.input));
      const changed = task.rehearsal ? largestBodies(task.input, task.rehearsal.bodyBytes) : changedFunctions(task, outline, wholeInput);
      if (typeof changed === 'string') return { declined: changed };
      const previousOutput = extractOutline(binaryen, output);
      const view = (names: readonly string[]): IncrementalView => ({
        changed: names,
        input: { outline, fn: (name) => extractor.function(input.getFunction(name)), whole: wholeInput },
        previousOutput,
      });
      let planned = planIncremental(view(changed), task.facts);
      // A rehearsal rebuilds what can be rebuilt: when the plan for all it chose declines (one of them was merged
      // with a duplicate, say), the largest function that can be rebuilt alone.
      if (task.rehearsal && 'declined' in planned) {
        planned = changed.map((name) => planIncremental(view([name]), task.facts)).find((plan) => !('declined' in plan)) ?? planned;
      }
      return 'declined' in planned ? planned : { ...planned, patched: patch(output, input, planned.rebuild) };
    });
  } finally {
    output.dispose();
  }
  if ('declined' in plan) return { ok: true, declined: plan.declined };
  const patched = plan.patched;
  if (!patched) return { ok: true, declined: 'the previous output with the new bodies does not validate' };
  setKnobs(task.knobs);
  const result = await runProvedPipeline(
    {
      base: patched, flags: task.flags, knobs: task.knobs, passes: task.passes, converge: 1, mode: 'strict', only: plan.rebuild,
      ...(task.rehearsal ? { deadline: task.rehearsal.deadline } : {}),
    },
    env,
  );
  const stripped = withoutNameSection(result.named);
  const scored = task.objective === 'size'
    ? { size: stripped.length, value: stripped.length }
    : withModule(result.named, task.flags, (module) => score(module, stripped.length, task.objective));
  const { named, rounds: _rounds, assembled: _assembled, solverGaveUp: _gaveUp, ...proof } = result;
  return { ok: true, named, stripped, score: scored, rebuilt: plan.rebuild, proof, ms: performance.now() - started };
}

/**
 * The defined functions whose bodies the new input changed, or why it changed more. Their bytes say it at
 * once when every other section is the same; otherwise (another writer's sections: names, types in another
 * order) both are read and compared as IR, by name.
 */
function changedFunctions(task: IncrementalTask, outline: ModuleOutline, wholeInput: () => IrModule): string[] | string {
  const bodies = bodiesOfOneModule(task.previousInput, task.input);
  const defined = outline.functions.filter((fn) => !fn.imported);
  if (bodies) return defined.filter((_, i) => !sameBytes(bodies[0][i]!, bodies[1][i]!)).map((fn) => fn.name);
  const before = withModule(task.previousInput, task.flags, (module) => moduleIr(module, task.previousInput));
  const after = wholeInput();
  const outside = (m: IrModule) => JSON.stringify([m.globals, m.memory, m.tables, m.data, m.elements, m.exports, m.start]);
  const shape = (m: IrModule) => m.functions.map((fn) => [fn.name, signatureOf(fn), fn.imported ?? null]);
  if (outside(before) !== outside(after) || JSON.stringify(shape(before)) !== JSON.stringify(shape(after))) return 'the module changed outside function bodies';
  const hashes = new Map(before.functions.map((fn) => [fn.name, functionHash(fn)]));
  return after.functions.filter((fn) => !fn.imported && functionHash(fn) !== hashes.get(fn.name)).map((fn) => fn.name);
}

/**
 * What a rehearsal takes as changed: the defined functions with the largest bodies, as many as fit in `budget`
 * bytes of bodies in all (one larger than the budget is passed over), largest first; the input names every
 * function (ingest), so the name section covers them all.
 */
function largestBodies(input: Uint8Array, budget: number): string[] {
  const chosen: string[] = [];
  let left = budget;
  for (const [name, bytes] of [...functionBodySizes(input)].sort((a, b) => b[1] - a[1])) {
    if (bytes > left) continue;
    chosen.push(name);
    left -= bytes;
  }
  return chosen;
}

/** `output` given the bodies of `names` taken from `input`, written plain; undefined when it does not validate. */
function patch(output: binaryenNs.Module, input: binaryenNs.Module, names: readonly string[]): Uint8Array | undefined {
  for (const name of names) copyFunction(input, output, name);
  return output.validate() ? emitModule(output, true, false) : undefined;
}
