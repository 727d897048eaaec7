import type binaryenNs from 'binaryen';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import { binaryen, describeBinaryenError, emitModule, isBinaryenAbort, readModule, withModule } from '../wasm/binaryen.js';
import { extractModule } from '../wasm/ir.js';
import { ALL_DETECTABLE, chooseFeatures } from '../wasm/detect-features.js';
import { codeMetrics, type Objective } from '../wasm/metrics.js';
import { spliceFunctionBodies } from '../wasm/code-section.js';
import { functionBodySizes, nameEveryFunctionAndGlobal, withoutNameSection } from '../wasm/names.js';
import { DEFAULT_PIPELINE } from '../islands/catalogue.js';
import type { Genome } from '../islands/genome.js';
import { assemble } from './assemble.js';
import { buildMosaic } from './mosaic.js';
import { POISONED, POISONED_EXIT_CODE, type BinaryenTask, type EvaluateResult, type EvaluateTask, type IngestResult, type IngestTask, type MosaicResult, type MosaicTask, type Score } from './binaryen-tasks.js';
import { plantFault } from './planted-fault.js';
import { verifyModulesTask } from './verify-modules.js';

let poisoned = false;

export function runBinaryenTask(task: BinaryenTask, recentOutput: () => string): unknown {
  if (poisoned) {
    // The thread is about to exit (see poisonAndExit); never run binaryen on a heap it aborted on.
    throw new Error(POISONED);
  }
  try {
    switch (task.kind) {
      case 'warmup':
        return warmup();
      case 'ingest':
        return ingest(task);
      case 'evaluate':
        return evaluate(task, recentOutput);
      case 'mosaic':
        return mosaic(task);
      case 'assemble':
        setKnobs(task.knobs);
        return assemble(binaryen, task, score);
      case 'extract-ir':
        return withModule(task.bytes, task.flags, (module) => extractModule(binaryen, module));
      case 'verify-modules':
        return verifyModulesTask(task).catch((error: unknown) => {
          if (isBinaryenAbort(error)) poisonAndExit();
          throw error;
        });
    }
  } catch (error) {
    if (isBinaryenAbort(error)) poisonAndExit();
    if (error instanceof AtollError) throw error;
    throw new Error(`binaryen failed: ${describeBinaryenError(error)}`);
  }
}

/** After an abort the thread's wasm heap cannot be trusted: end the thread so piscina replaces it. */
function poisonAndExit(): void {
  poisoned = true;
  setTimeout(() => process.exit(POISONED_EXIT_CODE), 20);
}

function warmup(): boolean {
  const module = binaryen.parseText(
    '(module (func $f (export "f") (param i32) (result i32) (i32.add (i32.mul (local.get 0) (i32.const 8)) (i32.const 0))))',
  );
  try {
    setKnobs({ optimizeLevel: 2, shrinkLevel: 2 });
    module.optimize();
    emitModule(module, false);
  } finally {
    module.dispose();
  }
  return true;
}

function ingest(task: IngestTask): IngestResult {
  // The input itself, names added, is what every later step is verified against: re-emitting it through
  // binaryen (stack IR optimized) would change functions with nothing proving the change.
  const { named, module, droppedNames } = readNamed(task.bytes);
  try {
    const chosen = chooseFeatures(module, task.declared, task.override);
    return {
      features: chosen.names,
      flags: chosen.flags,
      featureSource: chosen.source,
      functions: module.getNumFunctions(),
      named,
      // What a candidate must beat is the input as it is (the output when nothing does), not a rewrite of it.
      score: score(module, task.bytes.length, task.objective ?? 'size'),
      ...(droppedNames === undefined ? {} : { droppedNames }),
    };
  } finally {
    module.dispose();
  }
}

/**
 * The input with every function and global named, and binaryen's reading of it. A name section that this
 * reader or binaryen's cannot parse is debug information gone bad, not a bad program: the module is read
 * without it (and the reason returned). Anything else binaryen cannot read is MalformedWasm.
 */
function readNamed(bytes: Uint8Array): { named: Uint8Array; module: binaryenNs.Module; droppedNames?: string } {
  const read = (input: Uint8Array) => {
    const named = nameEveryFunctionAndGlobal(input);
    return { named, module: readModule(named, ALL_DETECTABLE) };
  };
  const malformed = (error: unknown) =>
    new AtollError(ErrorCodes.MalformedWasm, `binaryen cannot read the module: ${describeBinaryenError(error)}`);
  try {
    return read(bytes);
  } catch (error) {
    if (isBinaryenAbort(error)) throw error;
    const withoutNames = withoutNameSection(bytes);
    if (withoutNames === bytes) throw malformed(error);
    try {
      return { ...read(withoutNames), droppedNames: describeBinaryenError(error) };
    } catch (again) {
      if (isBinaryenAbort(again)) throw again;
      throw malformed(again);
    }
  }
}

function evaluate(task: EvaluateTask, recentOutput: () => string): EvaluateResult {
  const started = performance.now();
  const module = readModule(task.base, task.flags);
  try {
    setKnobs(task.genome.knobs, module);
    let stripped = applyGenome(module, task.genome);
    let rounds = 1;
    while (rounds < task.genome.knobs.converge) {
      const before = stripped.length;
      stripped = applyGenome(module, task.genome);
      rounds++;
      if (stripped.length >= before) break;
    }
    if (task.plantFault) plantFault(binaryen, module, task.plantFault);
    if (!module.validate()) {
      return {
        ok: false,
        error: `binaryen produced a module that does not validate: ${recentOutput().slice(0, 2000)}`,
        aborted: false,
        ms: performance.now() - started,
      };
    }
    const named = emitModule(module, true);
    stripped = emitModule(module, false);
    return {
      ok: true,
      named,
      stripped,
      score: score(module, stripped.length, task.objective),
      ms: performance.now() - started,
    };
  } catch (error) {
    if (isBinaryenAbort(error)) {
      poisonAndExit();
      return { ok: false, error: `binaryen aborted: ${describeBinaryenError(error)}`, aborted: true, ms: performance.now() - started };
    }
    return { ok: false, error: describeBinaryenError(error), aborted: false, ms: performance.now() - started };
  } finally {
    if (!poisoned) module.dispose();
  }
}

function mosaic(task: MosaicTask): MosaicResult {
  const base = readModule(task.base, task.flags);
  const donor = readModule(task.donor, task.flags);
  try {
    let proved = task.proved;
    if (task.onlySmaller) {
      const [baseSizes, donorSizes] = [functionBodySizes(task.base), functionBodySizes(task.donor)];
      proved = proved.filter((name) => (donorSizes.get(name) ?? Infinity) < (baseSizes.get(name) ?? 0));
    }
    const plan = buildMosaic(binaryen, base, donor, proved);
    if (!base.validate()) return { ok: false, error: 'the mosaic does not validate' };
    const taken = new Set(plan.taken);
    const defined = Array.from({ length: base.getNumFunctions() }, (_, i) => binaryen.getFunctionInfo(base.getFunctionByIndex(i)))
      .filter((f) => !f.module)
      .map((f) => f.name);
    const stripped = emitMosaic(base, false, (i) => taken.has(defined[i]!));
    return { ok: true, named: emitMosaic(base, true, (i) => taken.has(defined[i]!)), stripped, score: score(base, stripped.length, task.objective), ...plan };
  } finally {
    base.dispose();
    donor.dispose();
  }
}

/**
 * A mosaic's bytes: the bodies it took from the donor written with stack IR optimized (as the donor had
 * them), every other body written as it stands. Stack IR optimization at emit rewrites every function, and
 * a rewrite of a body the mosaic meant to keep is a change nothing has proved (nor may prove in time).
 */
function emitMosaic(module: binaryenNs.Module, names: boolean, takenAt: (definedIndex: number) => boolean): Uint8Array {
  const plain = emitModule(module, names, false);
  return spliceFunctionBodies(plain, emitModule(module, names, true), takenAt) ?? plain;
}

/** Runs the genome's passes once and returns the emitted bytes without names (for the converge test). */
function applyGenome(module: binaryenNs.Module, genome: Genome): Uint8Array {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length > 0) module.runPasses(pending);
    pending = [];
  };
  for (const pass of genome.passes) {
    if (pass === DEFAULT_PIPELINE) {
      flush();
      module.optimize();
    } else {
      pending.push(pass);
    }
  }
  flush();
  return emitModule(module, false);
}

function score(module: binaryenNs.Module, size: number, objective: Objective): Score {
  if (objective === 'size') return { size, value: size };
  const metrics = codeMetrics(binaryen, module);
  return { size, ...metrics, value: objective === 'instructions' ? metrics.instructions : metrics.cycles };
}

/**
 * Every option is global to the binaryen instance of this thread, so every task sets all of them; the
 * assumption-granting ones (trap-never-happen, low memory, fast math, closed world) are forced off. With a
 * module, the functions the knobs keep from inlining are marked in it (binaryen's no-inline pass; the mark
 * lives on the function in memory, so it holds for every pass of this task and none of the next).
 */
function setKnobs(knobs: Partial<Genome['knobs']>, module?: binaryenNs.Module): void {
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
  for (const name of module ? (knobs.noInline ?? []) : []) {
    binaryen.setPassArgument('no-inline', name);
    module!.runPasses(['no-inline']);
  }
  binaryen.clearPassArguments();
}
