import type { PassStepTotals, StepRecord } from '../../protocol/report.js';
import { checkModuleStep } from '../../verify/module-step.js';
import { checkStepFunctions, sameUpToUnusedLabels, type StepVerdict } from '../../verify/pass-step.js';
import { binaryen, emitModule, withModule } from '../../wasm/binaryen.js';
import { spliceFunctionBodies } from '../../wasm/code-section.js';
import { completeDataSegments } from '../../wasm/data-section.js';
import { extractModule, functionHash, type IrModule } from '../../wasm/ir.js';
import { functionBodySizes } from '../../wasm/names.js';
import type { PipelineEnv } from './proved-pipeline.js';
import type { TrackedModule } from './tracked-module.js';

/** Which rewrites of the writer may stay: proved ones (strict), all (report), or a certificate's list. */
export type EmitMode = 'strict' | 'report' | { only: ReadonlySet<string> };

export interface Emitted {
  named: Uint8Array;
  /** Defined functions whose stack-IR-optimized bytes were written (sorted). */
  optimized: string[];
  /** Rewrites not written (strict) or written unproved (report). */
  unproved: Array<Omit<StepRecord, 'index'>>;
  totals: PassStepTotals;
}

/**
 * The emit is a step too. Writing a module with stack IR optimization (what `wasm-opt` does, and worth
 * hundreds of bytes on large modules) rewrites every body; reading the bytes back gives functions that may
 * differ from the proved IR. Each such rewrite is checked like a pass step against the proved module; a body
 * whose rewrite is not proved is written as it stands instead (the code section is spliced from two emits of
 * one module). Then the bytes are read back once more and every function must be identical to the proved
 * state or proved equal to it, and the module structure must survive the round trip: the bytes returned
 * read back as a module proved equivalent to the one the pipeline ended with, or this throws.
 */
export async function emitProved(tracked: TrackedModule, flags: number, env: PipelineEnv, mode: EmitMode): Promise<Emitted> {
  const totals: PassStepTotals = { pass: 'emit', runs: 1, steps: 0, proved: 0, cached: 0, keptUnproved: 0, reverted: 0, revertedBy: {}, bytesLost: 0, wholeReverts: 0 };
  const proved = tracked.ir;
  const plain = tracked.bytes;
  const optimized = emitModule(tracked.live, true, true);
  const readOptimized = readIr(optimized, flags);
  const defined = proved.functions.filter((fn) => !fn.imported).map((fn) => fn.name);
  const rewritten = differing(proved, readOptimized);
  const verdicts = await check(proved, readOptimized, rewritten, plain, optimized, env);
  const only = typeof mode === 'object' ? mode.only : undefined;
  const written = new Set(defined.filter((name) => {
    if (!rewritten.includes(name)) return true;
    if (mode === 'report') return true;
    return verdicts.get(name)?.verdict.status === 'proved' && (!only || only.has(name));
  }));

  const plainSizes = functionBodySizes(plain);
  const optimizedSizes = functionBodySizes(optimized);
  const unproved: Emitted['unproved'] = [];
  for (const name of rewritten) {
    const verdict = verdicts.get(name)!.verdict;
    const lost = Math.max(0, (plainSizes.get(name) ?? 0) - (optimizedSizes.get(name) ?? 0));
    totals.steps++;
    if (verdict.status === 'proved' && written.has(name)) {
      totals.proved++;
      if (verdicts.get(name)!.cached) totals.cached++;
    }
    else if (written.has(name)) {
      totals.keptUnproved++;
      unproved.push({ function: name, pass: 'emit', verdict, bytesLost: 0 });
    } else {
      const why = verdict.status === 'unknown' ? verdict.reason : verdict.status === 'refuted' ? 'refuted' : 'not-listed';
      totals.reverted++;
      totals.revertedBy[why] = (totals.revertedBy[why] ?? 0) + 1;
      totals.bytesLost += lost;
      unproved.push({ function: name, pass: 'emit', verdict, bytesLost: lost });
    }
  }

  let named = optimized;
  let final = readOptimized;
  if (written.size < defined.length) {
    const spliced = spliceFunctionBodies(plain, optimized, (i) => written.has(defined[i]!));
    if (!spliced) throw new Error('the two emits of one module differ outside the code section; cannot write unproved bodies as they stand');
    named = spliced;
    final = readIr(named, flags);
    // Bodies written as they stand read back as themselves, or as something that must be proved equal too.
    const again = differing(proved, final).filter((name) => !(written.has(name) && functionHash(byName(final, name)) === functionHash(byName(readOptimized, name))));
    const second = await check(proved, final, again, plain, named, env);
    const failed = again.filter((name) => second.get(name)!.verdict.status !== 'proved');
    if (failed.length > 0 && mode !== 'report') {
      throw new Error(`writing ${failed.slice(0, 3).join(', ')} changed ${failed.length > 1 ? 'them' : 'it'} in a way that is not proved (${describe(second.get(failed[0]!)!)})`);
    }
  }
  const structure = checkModuleStep(proved, final, { duplicates: new Map(), signatures: new Set() });
  if (!structure.accepted && mode !== 'report') throw new Error(`writing the module changed its structure: ${structure.problems.slice(0, 3).join('; ')}`);
  return { named, optimized: [...written].sort(), unproved, totals };
}

function readIr(bytes: Uint8Array, flags: number): IrModule {
  const ir = withModule(bytes, flags, (module) => extractModule(binaryen, module));
  completeDataSegments(ir, bytes);
  ir.named = true;
  return ir;
}

function byName(ir: IrModule, name: string) {
  return ir.functions.find((fn) => fn.name === name)!;
}

/**
 * Defined functions whose IR in `after` is not that of `before`: not identical, and not equal once labels
 * nothing branches to are dropped (the writer drops them, so a body written as it stands reads back without).
 */
function differing(before: IrModule, after: IrModule): string[] {
  const other = new Map(after.functions.map((fn) => [fn.name, fn]));
  return before.functions
    .filter((fn) => {
      if (fn.imported) return false;
      const read = other.get(fn.name);
      return !read || (functionHash(fn) !== functionHash(read) && !sameUpToUnusedLabels(fn, read));
    })
    .map((fn) => fn.name);
}

async function check(before: IrModule, after: IrModule, changed: string[], beforeBytes: Uint8Array, afterBytes: Uint8Array, env: PipelineEnv): Promise<Map<string, StepVerdict>> {
  const missing = changed.filter((name) => !after.functions.some((fn) => fn.name === name));
  if (missing.length > 0) throw new Error(`the written module lost ${missing.join(', ')}`);
  const verdicts = await checkStepFunctions(
    { pass: 'emit', pre: before, post: after, changed, added: [], removed: [], preBytes: () => beforeBytes, postBytes: () => afterBytes },
    env.services,
    { ...env.check, concurrency: env.concurrency },
  );
  return new Map(verdicts.map((v) => [v.name, v]));
}

function describe(step: StepVerdict): string {
  const v = step.verdict;
  return v.status === 'unknown' ? `${v.reason}${v.detail ? `: ${v.detail}` : ''}` : v.status;
}
