import type binaryenNs from 'binaryen';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import { binaryen, describeBinaryenError, emitModule, isBinaryenAbort, moduleFromText, readModule, withModule } from '../wasm/binaryen.js';
import { extractModule } from '../wasm/ir.js';
import { ALL_DETECTABLE, chooseFeatures } from '../wasm/detect-features.js';
import { nameEveryFunctionAndGlobal, withoutNameSection } from '../wasm/names.js';
import { DEFAULT_PIPELINE } from '../islands/catalogue.js';
import { applyPass, isOwnPass } from './passes/index.js';
import type { Genome } from '../islands/genome.js';
import { assemble } from './assemble.js';
import { rebuildIncrementally } from './incremental.js';
import { POISONED, POISONED_EXIT_CODE, type BinaryenTask, type CheckingTask, type EvaluateResult, type EvaluateTask, type IngestResult, type IngestTask, type Score } from './binaryen-tasks.js';
import { plantFault } from './planted-fault.js';
import { inliningCandidates } from './inlining-candidates.js';
import { score, setKnobs } from './knobs.js';
import { runProvedPipeline, type PipelineEnv } from './pipeline/proved-pipeline.js';
import { checkCertificate } from './pipeline/certificate-check.js';
import { checkServicesOver, workerServicesOver } from './services.js';
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
        return task.checks ? evaluateProved(task) : evaluate(task, recentOutput);
      case 'assemble':
        setKnobs(task.knobs);
        return assemble(binaryen, task, score);
      case 'incremental':
        return withServicesOf(task, (env) => rebuildIncrementally(task, { ...env, check: { ...env.check, featureFlags: task.flags } })).catch((error: unknown) => {
          if (isBinaryenAbort(error)) {
            poisonAndExit();
            return { ok: false, error: `binaryen aborted: ${describeBinaryenError(error)}`, aborted: true };
          }
          return { ok: false, error: describeBinaryenError(error), aborted: false };
        });
      case 'extract-ir':
        return withModule(task.bytes, task.flags, (module) => extractModule(binaryen, module));
      case 'inlining-candidates':
        return withModule(task.named, task.flags, (module) => inliningCandidates(binaryen, module, task.named));
      case 'parse-text':
        return moduleFromText(task.text);
      case 'verify-modules':
        return verifyModulesTask(task).catch((error: unknown) => {
          if (isBinaryenAbort(error)) poisonAndExit();
          throw error;
        });
      case 'check-certificate':
        return withServicesOf(task, (env) => checkCertificate(task.input, task.output, task.certificate, task.versions, env));
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
    applyGenome(module, task.genome);
    // Repetition compares emitted sizes; a single round (most genomes) emits only once, below.
    if (task.genome.knobs.converge > 1) {
      let size = emitModule(module, false).length;
      for (let rounds = 1; rounds < task.genome.knobs.converge; rounds++) {
        applyGenome(module, task.genome);
        const before = size;
        size = emitModule(module, false).length;
        if (size >= before) break;
      }
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
    const stripped = emitModule(module, false);
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

/** Runs `work` with the checking environment behind the task's port, and closes the port after. */
async function withServicesOf<T>(task: CheckingTask, work: (env: PipelineEnv) => Promise<T>): Promise<T> {
  const services = workerServicesOver(task.port);
  try {
    return await work({
      services: checkServicesOver(services, task.z3Version),
      check: { featureFlags: 0, ...(task.timeoutMs ? { timeoutMs: task.timeoutMs } : {}) },
      concurrency: task.concurrency,
      progress: (note) => services.progress?.(note),
    });
  } finally {
    services.close();
  }
}

/**
 * A genome applied pass by pass with every step checked (src/workers/pipeline/): the module never leaves this
 * thread's binaryen heap until the end, and z3 and the proof cache are asked over the task's service port.
 */
async function evaluateProved(task: EvaluateTask): Promise<EvaluateResult> {
  const started = performance.now();
  const checks = task.checks!;
  try {
    if (task.genome.passes.includes(DEFAULT_PIPELINE)) {
      throw new Error(`${DEFAULT_PIPELINE} is one opaque step; a genome applied with checks must list its passes`);
    }
    const { converge, ...knobs } = task.genome.knobs;
    const result = await withServicesOf(checks, (env) =>
      runProvedPipeline(
        {
          base: task.base, flags: task.flags, knobs, passes: task.genome.passes, converge, mode: checks.mode, plantFault: task.plantFault, spans: checks.spans,
          ...(task.assembly ? { assembly: task.assembly } : {}),
          ...(checks.solverGaveUp ? { solverGaveUp: checks.solverGaveUp } : {}),
          ...(checks.mode === 'strict' && checks.deadline !== undefined ? { deadline: checks.deadline } : {}),
        },
        { ...env, check: { ...env.check, featureFlags: task.flags } },
      ),
    );
    const stripped = withoutNameSection(result.named);
    const scored = task.objective === 'size'
      ? { size: stripped.length, value: stripped.length }
      : withModule(result.named, task.flags, (module) => score(module, stripped.length, task.objective));
    const { named, rounds: _rounds, assembled, solverGaveUp, stopped, ...proof } = result;
    return { ok: true, named, stripped, score: scored, ms: performance.now() - started, proof, solverGaveUp, ...(assembled ? { assembled } : {}), ...(stopped ? { stopped } : {}) };
  } catch (error) {
    if (isBinaryenAbort(error)) {
      poisonAndExit();
      return { ok: false, error: `binaryen aborted: ${describeBinaryenError(error)}`, aborted: true, ms: performance.now() - started };
    }
    return { ok: false, error: describeBinaryenError(error), aborted: false, ms: performance.now() - started };
  }
}

/** Runs the genome's passes once. */
function applyGenome(module: binaryenNs.Module, genome: Genome): void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length > 0) module.runPasses(pending);
    pending = [];
  };
  for (const pass of genome.passes) {
    if (pass === DEFAULT_PIPELINE) {
      flush();
      module.optimize();
    } else if (isOwnPass(pass)) {
      flush();
      applyPass(module, pass);
    } else {
      pending.push(pass);
    }
  }
  flush();
}

