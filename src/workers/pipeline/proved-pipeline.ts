import type { PassStepTotals, StepRecord, Verdict } from '../../protocol/report.js';
import type { CheckServices } from '../../verify/checker.js';
import type { ProofSegment, SegmentKnobs, SegmentPass } from '../../verify/certificate.js';
import { checkStepFunctions, duplicateRenames, sameInWriterNormalForm, type PassStep, type StepVerdict } from '../../verify/pass-step.js';
import { binaryen } from '../../wasm/binaryen.js';
import { functionHash, type IrFunction } from '../../wasm/ir.js';
import { sha256 } from '../../wasm/ingest.js';
import { passInfo } from '../../islands/catalogue.js';
import { applyPass } from '../passes/index.js';
import { plantFault } from '../planted-fault.js';
import type { TaskProgress } from '../services.js';
import { hasInliningMarks, markInlining, readsInliningMarks, setKnobs } from '../knobs.js';
import { ASSEMBLE_PASS, ON_TOUCHED, type AssemblySources, type ProvedStep } from '../binaryen-tasks.js';
import { assembleOnto } from '../assemble.js';
import { decideStep } from './decide.js';
import { emitProved } from './final-emit.js';
import { TrackedModule } from './tracked-module.js';
import { addTime } from './totals.js';

/**
 * Proof-carrying application of one pipeline (design §1.3): the module stays in this thread's binaryen heap
 * for the whole pipeline; after each pass the functions whose bodies changed are checked against their
 * bodies before the pass (pass-step.ts), proved changes stay, the others go back (decide.ts), and the
 * pipeline goes on from the settled module. So the module is proved equivalent to where it started after
 * every pass. The emit at the end is a step too (final-emit.ts).
 *
 * Modes: `strict` keeps only proved steps; `report` keeps every step and records the unproved ones;
 * `follow` replays a certificate's segment: it keeps exactly the steps the segment lists, and fails unless
 * each is proved again and leaves the body the segment names.
 */
export type PipelineMode = 'strict' | 'report' | { follow: ProofSegment };

export interface PipelineRun {
  /** The module to start from, with every function named. */
  base: Uint8Array;
  flags: number;
  knobs: SegmentKnobs;
  /** Passes in order (no pseudo-passes), and how many times to run the list while the module shrinks. */
  passes: string[];
  converge: number;
  mode: PipelineMode;
  /** Test-only: corrupt this function right after the first pass, as if the pass had done it. */
  plantFault?: string | undefined;
  /**
   * Strict mode: check runs of consecutive function passes as spans (see Pipeline.span) instead of pass by
   * pass. Default true; false checks every pass on its own (what the per-pass tests look at).
   */
  spans?: boolean;
  /**
   * What ASSEMBLE_PASS takes bodies from. In follow mode only the input is given: the donors are the
   * segment's own (SegmentPass.donors).
   */
  assembly?: AssemblySources;
  /** Strict mode: functions the solver gave up on in earlier pipelines of the job (see Pipeline.gaveUp). */
  solverGaveUp?: readonly string[];
  /** Run every pass on these functions only (an incremental rebuild's; the passes must work inside one function). */
  only?: readonly string[];
  /**
   * Strict mode: no pass starts after this time (Date.now(), ms; a job's time budget), and the steps of the
   * pass running then that were not checked yet go back unchecked. The pipeline then ends where it is, a
   * proved module like after any pass, and says which passes ran (PipelineResult.stopped).
   */
  deadline?: number;
}

export interface PipelineEnv {
  services: CheckServices;
  check: { featureFlags: number; timeoutMs?: number };
  /** Pair checks in flight at once. */
  concurrency: number;
  progress?: (note: TaskProgress) => void;
}

export interface PipelineResult {
  /** The proved module, names kept, as emitted at the end. */
  named: Uint8Array;
  rounds: number;
  segment: ProofSegment;
  passes: PassStepTotals[];
  /** Steps that went back (strict, follow) or stayed unproved (report). */
  unproved: StepRecord[];
  /** Every kept step: function, pass position, how it was proved, whether the verdict came from the proof cache, what it assumed. */
  proved: ProvedStep[];
  /** [removed duplicate, its twin]: the twin's body stands for the removed one's wherever it was referenced. */
  twins: Array<[string, string]>;
  /** Functions a kept step added (a pass made them: outlined parts, merged functions' shared bodies, …). */
  made: string[];
  /** With ASSEMBLE_PASS: the bodies its kept steps took, and from how many modules (the input counts as one). */
  assembled?: { bodies: number; donors: number };
  /** Functions the solver gave up on, given or found here, sorted (PipelineRun.solverGaveUp for later pipelines). */
  solverGaveUp: string[];
  /** When the deadline ended the pipeline before its last pass: the passes that ran, in order (rounds included). */
  stopped?: string[];
}

export class PipelineRejected extends Error {}

/** A span whose passes did more than change bodies: the pipeline runs again with every pass on its own. */
class SpanUnsupported extends Error {}

/** A pass whose whole step must go back: its steps as they were decided, so the next attempt reports them. */
class PassWithdrawn extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
    readonly steps: StepRecord[],
  ) {
    super(reason);
  }
}

/** More passes than this withdrawn in one pipeline is a bug, not a module. */
const MAX_WITHDRAWN = 16;

/**
 * A pass whose module-level change cannot be accepted (and cannot be undone in place: exports, segments and
 * tables) is withdrawn: the pipeline runs again from its base without it. The steps before it come out the
 * same, since passes are deterministic and their verdicts come from the job's verdict store, so a withdrawn
 * pass costs the passes before it, not their checks. A certificate's replay skips it the same way.
 */
export async function runProvedPipeline(run: PipelineRun, env: PipelineEnv): Promise<PipelineResult> {
  const follow = typeof run.mode === 'object' ? run.mode.follow : undefined;
  const enforce = run.mode !== 'report';
  const withdrawn = new Map<number, PassWithdrawn>();
  for (const [index, pass] of (follow?.passes ?? []).entries()) if (pass.whole) withdrawn.set(index, new PassWithdrawn(index, pass.whole, []));
  // Spans need the shadow module (their unproved changes go back) and are a strict pipeline's choice; a
  // replay follows whatever spans its certificate lists.
  let spans = run.mode === 'strict' && run.spans !== false;
  for (;;) {
    setKnobs(run.knobs);
    const tracked = TrackedModule.read(run.base, run.flags, enforce);
    try {
      return await new Pipeline(tracked, run, env, enforce, follow, withdrawn, spans).apply();
    } catch (error) {
      if (error instanceof SpanUnsupported && spans) {
        spans = false;
        continue;
      }
      if (!(error instanceof PassWithdrawn) || follow || withdrawn.size >= MAX_WITHDRAWN) throw error;
      withdrawn.set(error.index, error);
    } finally {
      tracked.dispose();
    }
  }
}

class Pipeline {
  private readonly totals = new Map<string, PassStepTotals>();
  private readonly unproved: StepRecord[] = [];
  private readonly proved: PipelineResult['proved'] = [];
  private readonly record: SegmentPass[] = [];
  private readonly twins = new Map<string, string>();
  private readonly made = new Set<string>();
  /** Where the planted fault went in (a span's functions that go back run that pass again, fault included). */
  private plantedAt: number | undefined;
  /**
   * Functions one of whose steps the solver could not decide (timeout, or a loop it could not match), in this
   * pipeline or an earlier one of the job (PipelineRun.solverGaveUp): their later steps are checked by the
   * value graph alone. Measured on argon2-browser, the same seven functions timed out at pass after pass,
   * 20–120 s each, and were most of a strict run's time; later, its one such function (fn8) still timed out
   * once in every generation's checked pipelines, 2.3 s each.
   */
  private readonly gaveUp: Set<string>;
  /** Functions the last module-level step changed or added: what `pass@touched` runs on. */
  private touched: string[] = [];
  /** The last ASSEMBLE_PASS: which donor each replaced body came from, and the donors (0 is the input). */
  private assembly: { from: Map<string, number>; donors: Uint8Array[] } | undefined;
  private assembled: PipelineResult['assembled'];
  /** The deadline came before the last pass (PipelineRun.deadline). */
  private stopped = false;

  constructor(
    private readonly tracked: TrackedModule,
    private readonly run: PipelineRun,
    private readonly env: PipelineEnv,
    private readonly enforce: boolean,
    private readonly follow: ProofSegment | undefined,
    private readonly withdrawn: ReadonlyMap<number, PassWithdrawn>,
    private readonly spans: boolean,
  ) {
    this.gaveUp = new Set(run.solverGaveUp ?? []);
  }

  async apply(): Promise<PipelineResult> {
    const { run } = this;
    const from = sha256(run.base);
    if (this.follow && this.follow.from !== from) throw new PipelineRejected('the segment does not start from this module');
    await this.write();
    const planned = this.follow ? this.follow.passes.map((p) => p.pass) : run.passes;
    const total = this.follow ? planned.length + 1 : planned.length * run.converge + 1;
    let index = 0;
    let rounds = 0;
    if (this.follow) {
      await this.passes(planned, index, total, this.follow.passes.map((p) => p.span?.passes ?? 1));
      index = planned.length;
      rounds = 1;
    } else {
      const lengths = this.spans ? spanLengths(planned) : undefined;
      for (let size = Infinity; rounds < run.converge;) {
        await this.passes(planned, index, total, lengths);
        index += planned.length;
        rounds++;
        if (this.stopped || this.tracked.bytes.length >= size) break;
        size = this.tracked.bytes.length;
      }
    }
    this.env.progress?.({ passesDone: total - 1, passes: total, stepsDone: 0, steps: 0, pass: 'emit' });
    const emitted = await emitProved(this.tracked, run.flags, this.env, this.enforce ? (this.follow ? { only: new Set(this.follow.optimizedAtEmit) } : 'strict') : 'report');
    for (const step of emitted.unproved) this.unproved.push({ ...step, index });
    // A body the writer rewrote provably is a step of its function's chain (the report and certificate list it).
    for (const step of emitted.proved) this.proved.push({ ...step, pass: 'emit', index });
    this.totals.set('emit', emitted.totals);
    const named = emitted.named;
    const segment: ProofSegment = { knobs: run.knobs, from, passes: this.record, optimizedAtEmit: emitted.optimized, to: sha256(named) };
    if (this.follow) {
      const listed = [...this.follow.optimizedAtEmit].sort().join();
      if (emitted.optimized.join() !== listed) throw new PipelineRejected('the final emit does not prove the bodies the certificate writes optimized');
      if (segment.to !== this.follow.to) throw new PipelineRejected('the segment does not end with the module the certificate names');
    }
    this.env.progress?.({ passesDone: total, passes: total, stepsDone: 0, steps: 0 });
    return {
      named, rounds, segment, passes: [...this.totals.values()], unproved: this.unproved, proved: this.proved, twins: [...this.twins].sort(), made: [...this.made].sort(),
      ...(this.assembled ? { assembled: this.assembled } : {}), solverGaveUp: [...this.gaveUp].sort(),
      ...(this.stopped ? { stopped: this.record.map((p) => p.pass) } : {}),
    };
  }

  /**
   * The first step: the module as read against the module as written and read back. A rewrite the writer
   * makes that is not proved cannot be undone (the module is written that way whatever happens), so in
   * strict mode this pipeline fails, with the functions named; report mode records it and goes on.
   */
  private async write(): Promise<void> {
    const started = performance.now();
    const read = this.tracked.ir;
    const written = this.tracked.written();
    const rewritten = new Map(written.functions.map((fn) => [fn.name, fn]));
    const changed = read.functions
      .filter((fn) => !fn.imported && functionHash(fn) !== functionHash(rewritten.get(fn.name)!) && !sameInWriterNormalForm(fn, rewritten.get(fn.name)!))
      .map((fn) => fn.name);
    if (changed.length > 0) {
      const bytes = this.tracked.bytes;
      const verdicts = await checkStepFunctions(
        { pass: WRITE, pre: read, post: written, changed, added: [], removed: [], preBytes: () => this.run.base, postBytes: () => bytes },
        this.env.services,
        { ...this.env.check, concurrency: this.env.concurrency },
      );
      const totals = this.totalsOf(WRITE);
      totals.runs++;
      addTime(totals, started);
      for (const v of verdicts) {
        totals.steps++;
        if (v.verdict.status === 'proved') {
          totals.proved++;
          this.proved.push({ function: v.name, pass: WRITE, index: -1, method: v.verdict.method, cached: v.cached, ...(v.facts ? { facts: v.facts } : {}) });
        } else if (this.enforce) {
          throw new Error(`binaryen's writer changes ${v.name} in a way that is not proved (${describeVerdict(v.verdict)}); it cannot be written provably`);
        } else {
          totals.keptUnproved++;
          this.unproved.push({ function: v.name, pass: WRITE, index: -1, verdict: v.verdict, bytesLost: 0 });
        }
      }
    }
    this.tracked.adopt(written);
  }

  /**
   * `passes` from pipeline position `first` on: one step per pass, or a span where `lengths` (by position in
   * `passes`) says one starts.
   */
  private async passes(passes: readonly string[], first: number, total: number, lengths: readonly number[] | undefined): Promise<void> {
    for (let i = 0; i < passes.length;) {
      if (this.pastDeadline()) {
        this.stopped = true;
        return;
      }
      const length = lengths?.[i] ?? 1;
      if (length > 1) {
        if (i + length > passes.length) throw new PipelineRejected(`the span at pass ${first + i} runs past the last pass`);
        await this.span(passes.slice(i, i + length), first + i, total);
      } else {
        await this.step(passes[i]!, first + i, total);
      }
      i += length;
    }
  }

  /**
   * Consecutive passes that each work inside one function, checked as one step per function: all of them run,
   * then each changed function's body after the last is checked against its body before the first by the
   * value graph alone (no z3, no runs). Most such changes are proved there at the cost of one step's check
   * instead of one per pass (rabin's -Oz function passes: 17 of 19 functions, 0.4 s instead of 2.9 s). Those
   * that are not go back to their bodies before the span and run it again pass by pass, alone (the passes
   * work inside one function, so the others cannot change what they do), each step checked as usual. So a
   * function ends no worse than pass by pass would have left it, and sometimes better: a span the graph proves
   * may contain a step that alone would have gone back.
   */
  private async span(passes: readonly string[], first: number, total: number): Promise<void> {
    const started = performance.now();
    const { tracked, env } = this;
    const name = spanName(passes);
    env.progress?.({ passesDone: first, passes: total, stepsDone: 0, steps: 0, pass: name });
    const listed = this.follow?.passes[first]?.span;
    for (const [i, pass] of passes.entries()) {
      if (this.follow && this.follow.passes[first + i]?.pass !== pass) throw new PipelineRejected(`pass ${first + i} is not ${pass}`);
      this.runPass(pass, first + i);
    }
    const observation = tracked.observe();
    if (observation.added.length + observation.removed.length > 0 || observation.structureChanged) {
      if (this.follow) throw new PipelineRejected(`the span at pass ${first} changed more than function bodies`);
      throw new SpanUnsupported(`${name} changed more than function bodies`);
    }
    const preBytes = tracked.bytes;
    const step: PassStep = {
      pass: name, pre: tracked.ir, post: observation.post, changed: observation.changed, added: [], removed: [],
      preBytes: () => preBytes, postBytes: () => observation.bytes,
    };
    const keptByFile = listed ? new Map(listed.kept.map(([fn, hash]) => [fn, hash])) : undefined;
    const verdicts = await checkStepFunctions(step, env.services, {
      ...env.check,
      concurrency: env.concurrency,
      ...(this.run.deadline === undefined ? {} : { deadline: this.run.deadline }),
      solver: false,
      ...(keptByFile ? { only: new Set(keptByFile.keys()) } : {}),
      onChecked: (done, steps) => env.progress?.({ passesDone: first, passes: total, stepsDone: done, steps, pass: name }),
    });
    const decision = decideStep(step, verdicts, keeping(keptByFile), true);
    if (decision.whole) throw new Error(`${name}: ${decision.whole}`);
    tracked.settle(observation, decision.settlement);

    const totals = this.totalsOf(name);
    totals.runs++;
    // The span's own time; the functions that go through it again pass by pass add to those passes'.
    addTime(totals, started);
    const byName = new Map(verdicts.map((v) => [v.name, v]));
    const post = new Map(observation.post.functions.map((fn) => [fn.name, fn]));
    const kept = decision.kept.map((fn) => {
      totals.steps++;
      return this.keep(totals, byName.get(fn), post.get(fn)!, name, first + passes.length - 1);
    }).sort(byFunction);
    const back = decision.settlement.revert;
    if (back.length > 0) totals.passByPass = (totals.passByPass ?? 0) + back.length;
    const at = this.record.length;
    for (const [i, pass] of passes.entries()) {
      if (back.length > 0) await this.step(pass, first + i, total, back);
      else this.record.push({ pass });
    }
    this.record[at] = { ...this.record[at]!, span: { passes: passes.length, kept } };
    // Only a touched pass reads `touched`, and none follows a span on every function (spanLengths).
    if (!passes[0]!.endsWith(ON_TOUCHED)) this.touched = [];
    if (keptByFile) this.checkAgainstFile(name, first, keptByFile, kept);
  }

  /**
   * Runs `pass` on the live module: on every function (or PipelineRun.only), on the functions the last
   * module-level step touched (`pass@touched`), and only on `on` when given (a span's functions going through
   * it again).
   */
  private runPass(pass: string, index: number, on?: readonly string[]): void {
    const live = this.tracked.live;
    const onTouched = pass.endsWith(ON_TOUCHED);
    const name = onTouched ? pass.slice(0, -ON_TOUCHED.length) : pass;
    if (readsInliningMarks(name) && hasInliningMarks(this.run.knobs)) markInlining(live, this.run.knobs);
    const targets = onTouched ? this.touched.filter((fn) => !on || on.includes(fn)) : (on ?? this.run.only);
    applyPass(live, name, targets);
    const fault = this.run.plantFault;
    if (fault && (this.plantedAt ?? index) === index && (!on || on.includes(fault))) {
      plantFault(binaryen, live, fault);
      this.plantedAt = index;
    }
  }

  private pastDeadline(): boolean {
    return this.run.deadline !== undefined && Date.now() > this.run.deadline;
  }

  /** One pass as one step (see settleStep), its time added to the pass's totals. */
  private async step(pass: string, index: number, total: number, on?: readonly string[]): Promise<void> {
    // Past the deadline, a span's functions that went back stay there: their passes one by one would each
    // cost a run and a read of the whole module only to go back unchecked. The pass is recorded as one that
    // kept nothing, which is what a certificate's replay then does with it.
    if (on && this.pastDeadline()) {
      this.record.push({ pass });
      return;
    }
    const started = performance.now();
    try {
      await this.settleStep(pass, index, total, on);
    } finally {
      addTime(this.totalsOf(pass), started);
    }
  }

  private async settleStep(pass: string, index: number, total: number, on?: readonly string[]): Promise<void> {
    const { tracked, env } = this;
    env.progress?.({ passesDone: index, passes: total, stepsDone: 0, steps: 0, pass });
    const listed = this.follow?.passes[index];
    if (this.follow && listed?.pass !== pass) throw new PipelineRejected(`pass ${index} is not ${pass}`);
    const withdrawn = this.withdrawn.get(index);
    if (withdrawn) {
      this.record.push({ pass, whole: withdrawn.reason });
      const totals = this.totalsOf(pass);
      totals.runs++;
      totals.wholeReverts++;
      for (const step of withdrawn.steps) {
        totals.steps++;
        totals.reverted++;
        totals.revertedBy['module-level'] = (totals.revertedBy['module-level'] ?? 0) + 1;
        totals.bytesLost += step.bytesLost;
        this.unproved.push(step);
      }
      if (!pass.endsWith(ON_TOUCHED)) this.touched = [];
      return;
    }
    const onTouched = pass.endsWith(ON_TOUCHED);
    if (pass === ASSEMBLE_PASS) this.assemble(listed);
    else this.runPass(pass, index, on);
    const observation = tracked.observe();
    const totals = this.totalsOf(pass);
    totals.runs++;
    if (observation.changed.length + observation.added.length + observation.removed.length === 0 && !observation.structureChanged) {
      tracked.settle(observation, { revert: [], restore: [], drop: [], globals: [] });
      if (!onTouched) this.touched = [];
      this.record.push({ pass });
      if (listed?.kept?.length) throw new PipelineRejected(`${pass} (pass ${index}) changed nothing, but the certificate keeps its steps of ${listed.kept.map(([name]) => name).join(', ')}`);
      return;
    }
    const preBytes = tracked.bytes;
    const preSizes = tracked.sizes;
    const step: PassStep = {
      pass,
      pre: tracked.ir,
      post: observation.post,
      changed: observation.changed,
      added: observation.added,
      removed: observation.removed,
      preBytes: () => preBytes,
      postBytes: () => observation.bytes,
    };
    const keptByFile = listed ? new Map((listed.kept ?? []).map(([name, hash]) => [name, hash])) : undefined;
    const verdicts = await checkStepFunctions(step, env.services, {
      ...env.check,
      concurrency: env.concurrency,
      ...(this.run.deadline === undefined ? {} : { deadline: this.run.deadline }),
      ...(keptByFile ? { only: new Set(keptByFile.keys()) } : {}),
      // A certificate's replay asks everything it needs; a strict pipeline stops asking z3 about a function
      // once z3 gave up on it (see gaveUp). Where only proofs stay, a counterexample found by unrolling a loop
      // or by running entry states would send the step back just as its unknown does, so neither is looked
      // for. Runs before the solver would spare z3's time on a wrong step, but binaryen's steps are almost
      // never wrong, and on the tree-sitter runtime (210 KB, 32 MiB memory) their harness and 24 runs took
      // 2.7 s per undecided step and refuted none of 24. A model z3 finds is still run (replay) to refute.
      ...(this.follow || !this.enforce ? {} : { withoutSolver: this.gaveUp }),
      ...(this.enforce ? { unrollToRefute: false, runs: { before: 0, after: 0 } } : {}),
      onChecked: (done, steps) => env.progress?.({ passesDone: index, passes: total, stepsDone: done, steps, pass }),
    });
    for (const v of verdicts) {
      if (v.verdict.status === 'unknown' && (v.verdict.reason === 'timeout' || v.verdict.reason === 'loop')) this.gaveUp.add(v.name);
    }
    const decision = decideStep(step, verdicts, keeping(keptByFile), this.enforce);
    if (decision.whole) {
      const verdictOf = new Map(verdicts.map((v) => [v.name, v.verdict]));
      throw new PassWithdrawn(index, decision.whole, observation.changed.map((name) => ({
        function: name, pass, index, verdict: verdictOf.get(name) ?? notChecked, why: decision.whole!,
        bytesLost: Math.max(0, (preSizes.get(name) ?? 0) - (observation.sizes.get(name) ?? 0)),
      })));
    }
    tracked.settle(observation, decision.settlement);
    if (step.removed.length > 0) for (const [removed, twin] of duplicateRenames(step)) this.twins.set(removed, twin);
    const dropped = new Set(decision.settlement.drop);
    for (const name of observation.added) if (!dropped.has(name)) this.made.add(name);
    if (!onTouched) {
      this.touched = [...decision.kept, ...observation.added.filter((name) => !dropped.has(name))].sort();
    }

    const byName = new Map(verdicts.map((v) => [v.name, v]));
    const kept = new Set(decision.kept);
    const post = new Map(observation.post.functions.map((fn) => [fn.name, fn]));
    const keptRecord: Array<[string, string, string]> = [];
    for (const name of observation.changed) {
      const verdict = byName.get(name)?.verdict;
      const lost = Math.max(0, (preSizes.get(name) ?? 0) - (observation.sizes.get(name) ?? 0));
      totals.steps++;
      if (kept.has(name)) {
        keptRecord.push(this.keep(totals, byName.get(name), post.get(name)!, pass, index));
        continue;
      }
      const why = decision.dragged.has(name) ? 'dragged' : reasonOf(verdict);
      totals.reverted++;
      totals.revertedBy[why] = (totals.revertedBy[why] ?? 0) + 1;
      totals.bytesLost += lost;
      this.unproved.push({
        function: name, pass, index, verdict: verdict ?? notChecked, bytesLost: lost,
        ...(decision.dragged.has(name) ? { why: decision.dragged.get(name)! } : {}),
      });
    }
    keptRecord.sort(byFunction);
    this.record.push({ pass, ...(keptRecord.length ? { kept: keptRecord } : {}), ...(pass === ASSEMBLE_PASS ? { donors: this.keptDonors(decision.kept) } : {}) });
    if (keptByFile) this.checkAgainstFile(pass, index, keptByFile, keptRecord);
  }

  /**
   * A changed function whose new body stays: counted as proved (or, in report mode, kept unproved) and listed
   * in its chain. Returns its certificate entry: name, hash of the body it keeps, how it was proved.
   */
  private keep(totals: PassStepTotals, checked: StepVerdict | undefined, body: IrFunction, pass: string, index: number): [string, string, string] {
    const name = body.name;
    const verdict = checked?.verdict;
    const method = verdict?.status === 'proved' ? verdict.method : 'unproved';
    if (verdict?.status === 'proved') {
      totals.proved++;
      if (checked!.cached) totals.cached++;
      this.proved.push({ function: name, pass, index, method, cached: checked!.cached, ...(checked!.facts ? { facts: checked!.facts } : {}) });
    } else {
      totals.keptUnproved++;
      this.unproved.push({ function: name, pass, index, verdict: verdict ?? notChecked, bytesLost: 0 });
    }
    return [name, functionHash(body), checked?.rule ? `${method} (${checked.rule})` : method];
  }

  /**
   * ASSEMBLE_PASS on the live module: per function, the smallest compatible body of the input or a donor
   * (workers/assemble.ts). The bodies it writes are candidates like any pass's changes: the step that follows
   * checks each against the body it replaced, in this module's context, and reverts what is not proved
   * (the soundness argument is in islands/archipelago.ts, assembleChampion). Following a certificate, the
   * donors are the segment's own.
   */
  private assemble(listed: SegmentPass | undefined): void {
    const input = this.run.assembly?.input;
    if (!input) throw new Error(`${ASSEMBLE_PASS} needs the input module to take bodies from`);
    // A certificate's donors are candidates only: without them, the input is the one donor left.
    const donors = this.follow ? (listed?.donors ?? []).map((d) => new Uint8Array(Buffer.from(d, 'base64'))) : (this.run.assembly?.donors ?? []);
    const all = [input, ...donors];
    const plan = assembleOnto(binaryen, this.tracked.live, this.tracked.bytes, { input, donors }, this.run.flags);
    this.assembly = { from: new Map(plan.taken.map((t) => [t.name, t.donor])), donors: all };
    this.assembled = { bodies: 0, donors: 0 };
  }

  /** The donors (not the input) that gave a kept body, base64, in their order; counts the kept bodies. */
  private keptDonors(kept: readonly string[]): string[] {
    const from = this.assembly?.from ?? new Map<string, number>();
    const used = [...new Set(kept.map((name) => from.get(name)).filter((d): d is number => d !== undefined))].sort((a, b) => a - b);
    this.assembled = { bodies: kept.filter((name) => from.has(name)).length, donors: used.length };
    return used.filter((d) => d > 0).map((d) => Buffer.from(this.assembly!.donors[d]!).toString('base64'));
  }

  /** Follow mode: the settled step must be exactly the certificate's (same kept bodies, nothing more). */
  private checkAgainstFile(pass: string, index: number, listed: Map<string, string>, kept: Array<[string, string, string]>): void {
    const where = `${pass} (pass ${index})`;
    const got = new Map(kept.map(([name, hash]) => [name, hash]));
    for (const [name, hash] of listed) {
      if (!got.has(name)) throw new PipelineRejected(`${where}: the step of ${name} the certificate keeps is not a change the replay proves`);
      if (got.get(name) !== hash) throw new PipelineRejected(`${where}: ${name} does not have the body the certificate names`);
    }
  }

  private totalsOf(pass: string): PassStepTotals {
    let totals = this.totals.get(pass);
    if (!totals) {
      totals = { pass, runs: 0, steps: 0, proved: 0, cached: 0, keptUnproved: 0, reverted: 0, revertedBy: {}, bytesLost: 0, wholeReverts: 0 };
      this.totals.set(pass, totals);
    }
    return totals;
  }
}

/** Which verdicts a step keeps: proved ones, and when following a certificate only those it lists. */
function keeping(listed: ReadonlyMap<string, string> | undefined): (verdict: StepVerdict) => boolean {
  return (v) => v.verdict.status === 'proved' && (!listed || listed.has(v.name));
}

/**
 * Where spans start in `passes` and how long they are (1 elsewhere): maximal runs of two or more passes that
 * each work inside one function (the catalogue's `function` kind), all on every function or all on the
 * touched ones. A run on every function that a `pass@touched` follows ends one pass early: that pass's changes
 * are what the touched pass reads.
 */
export function spanLengths(passes: readonly string[]): number[] {
  const local = (pass: string) => passInfo(pass.endsWith(ON_TOUCHED) ? pass.slice(0, -ON_TOUCHED.length) : pass)?.kind === 'function';
  const lengths = passes.map(() => 1);
  for (let i = 0; i < passes.length;) {
    const touched = passes[i]!.endsWith(ON_TOUCHED);
    let end = i;
    while (end < passes.length && local(passes[end]!) && passes[end]!.endsWith(ON_TOUCHED) === touched) end++;
    if (!touched && end < passes.length && passes[end]!.endsWith(ON_TOUCHED)) end--;
    if (end - i >= 2) lengths[i] = end - i;
    i = Math.max(end, i + 1);
  }
  return lengths;
}

const byFunction = (a: [string, string, string], b: [string, string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function spanName(passes: readonly string[]): string {
  return `${passes[0]}…${passes[passes.length - 1]} (${passes.length} passes)`;
}

/** The step from the module as read to the module as binaryen writes it (see Pipeline.write). */
const WRITE = 'write';

function describeVerdict(verdict: Verdict): string {
  return verdict.status === 'unknown' ? `${verdict.reason}${verdict.detail ? `: ${verdict.detail}` : ''}` : verdict.status;
}

const notChecked: Verdict = { status: 'unknown', reason: 'context', detail: 'not checked: not among the certificate\'s steps' };

function reasonOf(verdict: Verdict | undefined): string {
  if (!verdict) return 'not-checked';
  return verdict.status === 'unknown' ? verdict.reason : verdict.status;
}
