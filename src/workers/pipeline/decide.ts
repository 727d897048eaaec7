import { signatureOf, type IrModule } from '../../wasm/ir.js';
import { checkModuleStep, type ModuleStepCheck } from '../../verify/module-step.js';
import { byName, duplicateRenames, references, type PassStep, type StepVerdict } from '../../verify/pass-step.js';
import type { Settlement } from './tracked-module.js';

/** A pass step settled: what stays, what goes back and why, and the module-level check of the result. */
export interface StepDecision {
  settlement: Settlement;
  /** Changed functions whose new body stays. */
  kept: string[];
  /** Functions sent back although their own verdict would keep them, with the reason. */
  dragged: Map<string, string>;
  /** The module-level check of the settled module against the module before the pass. */
  module: ModuleStepCheck;
  /** Set when the whole step must go back, with the reason: the pipeline then runs again without the pass. */
  whole?: string;
  /** The settled module's IR (what `TrackedModule.settle` makes of `live`). */
  next: IrModule;
}

/**
 * Settles one pass step. `keep` says which verdicts may stay (strict: proved ones; report: all). The rest go
 * back to their pre-pass bodies, and with them whatever they need: a function whose signature changed goes
 * back with every caller it changed (the callers call it with its new signature), a removed function comes
 * back when a body that stays calls it, an added function goes when nothing calls it, a global comes back
 * when a body that stays needs it as it was. Then the module-level check (module-step.ts) runs on the result;
 * globals it refuses are put back, and any other refusal sends the whole step back (the pipeline then runs
 * again without the pass: exports, segments or tables cannot be put back in place). `enforce: false`
 * (report mode) keeps everything and only reports.
 */
export function decideStep(step: PassStep, verdicts: StepVerdict[], keep: (verdict: StepVerdict) => boolean, enforce: boolean): StepDecision {
  const byVerdict = byName(verdicts);
  const revert = new Set(enforce ? step.changed.filter((name) => { const v = byVerdict.get(name); return !v || !keep(v); }) : []);
  const dragged = new Map<string, string>();
  const facts = { duplicates: duplicateRenames(step), signatures: new Set<string>() };
  let settlement = enforce ? settle(step, revert, dragged) : { revert: [], restore: [], drop: [], globals: [] };
  facts.signatures = new Set(signatureChanges(step).filter((name) => !revert.has(name)));
  let next = nextModule(step, settlement);
  let module = checkModuleStep(step.pre, next, facts);
  if (!module.accepted && enforce && module.globals.size > 0 && module.problems.length === module.globals.size) {
    settlement = { ...settlement, globals: [...new Set([...settlement.globals, ...module.globals.keys()])] };
    next = nextModule(step, settlement);
    module = checkModuleStep(step.pre, next, facts);
  }
  if (module.accepted || !enforce) {
    return { settlement, kept: step.changed.filter((name) => !revert.has(name)), dragged, module, next };
  }
  const whole = `module-level change not accepted: ${module.problems.slice(0, 3).join('; ')}`;
  return { settlement, kept: [], dragged, module, whole, next };
}

/** Functions present on both sides whose signature the pass changed. */
function signatureChanges(step: PassStep): string[] {
  const pre = byName(step.pre.functions);
  const post = byName(step.post.functions);
  return step.changed.filter((name) => signatureOf(pre.get(name)!) !== signatureOf(post.get(name)!));
}

/** The closure of `revert` under what reverted bodies need; fills `dragged` with the reasons. */
function settle(step: PassStep, revert: Set<string>, dragged: Map<string, string>): Settlement {
  const pre = byName(step.pre.functions);
  const post = byName(step.post.functions);
  const changed = new Set(step.changed);
  const signatures = signatureChanges(step);
  const restore = new Set<string>();
  const callers = (callee: string) => step.changed.filter((name) => references([post.get(name)!]).calls.has(callee));
  const drag = (name: string, why: string) => {
    if (revert.has(name)) return false;
    revert.add(name);
    dragged.set(name, why);
    return true;
  };
  for (let moved = true; moved;) {
    moved = false;
    // A signature change stays only with every caller it changed.
    for (const g of signatures) {
      const group = [g, ...callers(g)];
      const out = group.find((name) => revert.has(name));
      if (out) for (const name of group) moved = drag(name, `goes back with ${out} (a signature change stays only with all its callers)`) || moved;
    }
    // Bodies from before the pass call what existed before the pass, with the signatures it had.
    const old = [...revert, ...restore].map((name) => pre.get(name)!);
    for (const callee of references(old).calls) {
      if (!post.has(callee) && pre.has(callee) && !restore.has(callee)) {
        restore.add(callee);
        moved = true;
      } else if (signatures.includes(callee)) {
        moved = drag(callee, 'a body that went back calls it with its old signature') || moved;
      }
    }
  }
  const bodies = [...post.values()].filter((fn) => !revert.has(fn.name)).concat([...revert, ...restore].map((name) => pre.get(name)!));
  const used = references(bodies);
  const rooted = new Set([
    ...step.post.exports.filter((e) => e.kind === 'function').map((e) => e.value),
    ...step.post.elements.flatMap((e) => e.functions),
    ...(step.post.start ? [step.post.start] : []),
  ]);
  const drop = step.added.filter((name) => !used.calls.has(name) && !rooted.has(name));
  const old = references([...revert, ...restore].map((name) => pre.get(name)!));
  const postGlobals = byName(step.post.globals);
  const globals = step.pre.globals
    .filter((g) => (old.globalsRead.has(g.name) || old.globalsWritten.has(g.name)) &&
      (!postGlobals.has(g.name) || (old.globalsWritten.has(g.name) && !postGlobals.get(g.name)!.mutable)))
    .map((g) => g.name);
  return { revert: [...revert].filter((name) => changed.has(name)).sort(), restore: [...restore].sort(), drop: drop.sort(), globals: globals.sort() };
}

/** The module `settlement` makes of the step, as IR (order aside, what TrackedModule.settle builds). */
function nextModule(step: PassStep, settlement: Settlement): IrModule {
  const pre = byName(step.pre.functions);
  const back = new Set([...settlement.revert, ...settlement.restore]);
  const dropped = new Set(settlement.drop);
  const functions = step.post.functions
    .filter((fn) => !dropped.has(fn.name))
    .map((fn) => (back.has(fn.name) ? pre.get(fn.name)! : fn))
    .concat(settlement.restore.map((name) => pre.get(name)!));
  const restored = new Set(settlement.globals);
  const globals = step.post.globals.filter((g) => !restored.has(g.name)).concat(step.pre.globals.filter((g) => restored.has(g.name)));
  return { ...step.post, functions, globals };
}
