import type { PassStepTotals, StepRecord } from '../../protocol/report.js';
import { checkStepFunctions, sameInWriterNormalForm, type StepFacts } from '../../verify/pass-step.js';
import { binaryen, emitModule, withModule } from '../../wasm/binaryen.js';
import { sameBytes } from '../../wasm/bytes.js';
import { functionBodies, spliceFunctionBodies } from '../../wasm/code-section.js';
import { functionHash, IrExtractor, type IrFunction } from '../../wasm/ir.js';
import type { PipelineEnv } from './proved-pipeline.js';
import { addTime } from './totals.js';
import type { TrackedModule } from './tracked-module.js';

/** Which rewrites of the writer may stay: proved ones (strict), all (report), or a certificate's list. */
export type EmitMode = 'strict' | 'report' | { only: ReadonlySet<string> };

export interface Emitted {
  named: Uint8Array;
  /** Defined functions whose stack-IR-optimized bytes were written (sorted). */
  optimized: string[];
  /** Rewrites not written (strict) or written unproved (report). */
  unproved: Array<Omit<StepRecord, 'index'>>;
  /** Rewrites written with a proof: steps of the chain like any pass's. */
  proved: Array<{ function: string; method: string; cached: boolean; facts?: StepFacts }>;
  totals: PassStepTotals;
}

/**
 * The emit is a step too. Writing a module with stack IR optimization (what `wasm-opt` does, and worth
 * hundreds of bytes on large modules) rewrites bodies; each body whose optimized bytes differ from its plain
 * ones is read back and checked like a pass step against the proved state, and one whose rewrite is not
 * proved is written plain instead (the code section is spliced from the two emits of one module, which differ
 * nowhere else). A plain body reads back as exactly the proved state: that state was read back from these
 * bytes (TrackedModule.observe), so the bytes returned read back as the module the pipeline proved.
 */
export async function emitProved(tracked: TrackedModule, flags: number, env: PipelineEnv, mode: EmitMode): Promise<Emitted> {
  const started = performance.now();
  const totals: PassStepTotals = { pass: 'emit', runs: 1, steps: 0, proved: 0, cached: 0, keptUnproved: 0, reverted: 0, revertedBy: {}, bytesLost: 0, wholeReverts: 0 };
  const proved = tracked.ir;
  const plain = tracked.bytes;
  const optimized = emitModule(tracked.live, true, true);
  const defined = proved.functions.filter((fn) => !fn.imported);
  const [plainBodies, optimizedBodies] = [functionBodies(plain), functionBodies(optimized)];
  if (plainBodies.length !== defined.length || optimizedBodies.length !== defined.length) throw new Error('the emitted code section does not hold every function of the proved module');
  const moved = defined.filter((_, i) => !sameBytes(plainBodies[i]!, optimizedBodies[i]!));
  const readBack = readFunctions(optimized, flags, moved.map((fn) => fn.name));
  const rewritten = moved.filter((fn) => functionHash(fn) !== functionHash(readBack.get(fn.name)!) && !sameInWriterNormalForm(fn, readBack.get(fn.name)!)).map((fn) => fn.name);
  const verdicts = new Map(
    (await checkStepFunctions(
      { pass: 'emit', pre: proved, post: { ...proved, functions: proved.functions.map((fn) => readBack.get(fn.name) ?? fn) }, changed: rewritten, added: [], removed: [], preBytes: () => plain, postBytes: () => optimized },
      env.services,
      { ...env.check, concurrency: env.concurrency },
    )).map((v) => [v.name, v]),
  );
  const only = typeof mode === 'object' ? mode.only : undefined;
  const written = new Set(defined.map((fn) => fn.name).filter((name) => {
    const step = verdicts.get(name);
    if (!step || mode === 'report') return true;
    return step.verdict.status === 'proved' && (!only || only.has(name));
  }));

  const unproved: Emitted['unproved'] = [];
  const provedSteps: Emitted['proved'] = [];
  defined.forEach((fn, i) => {
    const step = verdicts.get(fn.name);
    if (!step) return;
    totals.steps++;
    if (step.verdict.status === 'proved' && written.has(fn.name)) {
      totals.proved++;
      if (step.cached) totals.cached++;
      provedSteps.push({ function: fn.name, method: step.verdict.method, cached: step.cached, ...(step.facts ? { facts: step.facts } : {}) });
    } else if (written.has(fn.name)) {
      totals.keptUnproved++;
      unproved.push({ function: fn.name, pass: 'emit', verdict: step.verdict, bytesLost: 0 });
    } else {
      const lost = Math.max(0, plainBodies[i]!.length - optimizedBodies[i]!.length);
      const why = step.verdict.status === 'unknown' ? step.verdict.reason : step.verdict.status === 'refuted' ? 'refuted' : 'not-listed';
      totals.reverted++;
      totals.revertedBy[why] = (totals.revertedBy[why] ?? 0) + 1;
      totals.bytesLost += lost;
      unproved.push({ function: fn.name, pass: 'emit', verdict: step.verdict, bytesLost: lost });
    }
  });
  let named = optimized;
  if (written.size < defined.length) {
    const spliced = spliceFunctionBodies(plain, optimized, (i) => written.has(defined[i]!.name));
    if (!spliced) throw new Error('the two emits of one module differ outside the code section; cannot write unproved bodies as they stand');
    named = spliced;
  }
  addTime(totals, started);
  return { named, optimized: [...written].sort(), unproved, proved: provedSteps, totals };
}

/** The IR of `names` as `bytes` read back. */
function readFunctions(bytes: Uint8Array, flags: number, names: string[]): Map<string, IrFunction> {
  if (names.length === 0) return new Map();
  const extractor = new IrExtractor(binaryen);
  return withModule(bytes, flags, (module) => new Map(names.map((name) => [name, extractor.function(module.getFunction(name))])));
}
