import type { ProgressEvent, ProgressPhase } from '../protocol/progress.js';
import type { TaskProgress } from '../workers/services.js';

/** Share of the bar before the search starts, and where emit starts. */
const INGEST_END = 2;
const EMIT_START = 96;

/**
 * What one checked evaluation weighs on the bar against one unchecked evaluation (binaryen alone): proving a
 * pipeline step by step took 20–35× its unchecked run (rabin, brotli-wasm's -Oz). Counted alike, generation
 * 0's five screening runs filled its slot and the bar stood still for the whole proof.
 */
const CHECKED_WEIGHT = 20;
const weightOf = (checked: boolean) => (checked ? CHECKED_WEIGHT : 1);

/**
 * Turns where a job is into the events of the ProgressEvent contract (src/protocol/progress.ts): one
 * percentage over the whole job that never decreases. A job of N generations is N + 1 equal slots of the
 * search's part of the bar; a slot is shared by the evaluations its generation plans (generation 0: the
 * alternatives' steps; later ones: each island's steps; an assembly is planned when it starts), each moving
 * from 0 to 1 as its passes and their step checks finish (the task's own notes), so the bar moves with the
 * work done, also inside a generation. A checked evaluation weighs CHECKED_WEIGHT unchecked ones. Report mode's check
 * of the champion's steps takes the second half of the bar; a verify job is one piece of work.
 */
export class ProgressPlan {
  private last = 0;
  /** Per evaluation: its generation's slot, how far it is and its weight. */
  private readonly done = new Map<string, { slot: number; fraction: number; weight: number }>();
  /** Per slot: the weight of the evaluations planned. */
  private readonly plannedBy = new Map<number, number>();

  constructor(
    private readonly emit: ((event: ProgressEvent) => void) | undefined,
    private readonly generations: number,
    private readonly verify: 'strict' | 'report' | 'off',
  ) {}

  /**
   * `count` more evaluations will run in `generation`, checked or not; a negative count takes back what was
   * planned and will not run (a child its screening run kept from being checked).
   */
  planned(generation: number, count: number, checked: boolean): void {
    this.plannedBy.set(generation, (this.plannedBy.get(generation) ?? 0) + count * weightOf(checked));
  }

  ingest(detail?: string): void {
    this.send({ phase: 'ingest', percentage: 0, ...(detail ? { detail } : {}) });
  }

  /**
   * An evaluation's position (island's, of generation `generation`; undefined for work outside the
   * generations: the baseline, a verify job) from its task's notes: passes done, and the step checks of the
   * current pass, whose count starts again with each pass (the bar does not). Only checked evaluations send
   * notes.
   */
  evaluation(id: string, generation: number | undefined, note: TaskProgress): void {
    const steps = note.steps > 0 ? note.stepsDone / note.steps : 0;
    this.advance(id, generation, note.passes > 0 ? (note.passesDone + steps) / note.passes : 0, true);
    this.send({
      phase: generation === undefined ? 'verify' : generation === 0 ? 'baseline' : 'generation',
      percentage: this.searchPercentage(),
      ...(generation === undefined ? {} : { generation, generations: this.generations }),
      ...(note.steps > 0 ? { done: note.stepsDone, total: note.steps, unit: note.unit ?? 'pass steps', detail: note.pass ? `checking ${note.pass}` : 'checking' } : {}),
    });
  }

  /** An evaluation finished (or failed): its share of the bar is full. */
  evaluated(id: string, generation: number | undefined, checked: boolean): void {
    this.advance(id, generation, 1, checked);
    this.send({
      phase: generation === undefined ? 'verify' : generation === 0 ? 'baseline' : 'generation',
      percentage: this.searchPercentage(),
      ...(generation === undefined ? {} : { generation, generations: this.generations }),
    });
  }

  /** report mode: genome `index` of `count` of the champion's lineage checked step by step. */
  checking(index: number, count: number, note: TaskProgress): void {
    const steps = note.steps > 0 ? note.stepsDone / note.steps : 0;
    const within = note.passes > 0 ? (note.passesDone + steps) / note.passes : 0;
    const from = this.searchEnd();
    this.send({
      phase: 'verify',
      percentage: from + ((EMIT_START - from) * (index + within)) / Math.max(1, count),
      ...(note.steps > 0 ? { done: note.stepsDone, total: note.steps, unit: 'pass steps' } : {}),
      detail: "checking the champion's steps",
    });
  }

  emitting(detail?: string): void {
    this.send({ phase: 'emit', percentage: EMIT_START, ...(detail ? { detail } : {}) });
  }

  finished(detail: string): void {
    this.send({ phase: 'emit', percentage: 100, detail });
  }

  private advance(id: string, generation: number | undefined, fraction: number, checked: boolean): void {
    const slot = generation ?? 0;
    this.done.set(id, { slot, fraction: Math.max(this.done.get(id)?.fraction ?? 0, Math.min(1, fraction)), weight: weightOf(checked) });
  }

  private searchEnd(): number {
    return this.verify === 'report' ? (INGEST_END + EMIT_START) / 2 : EMIT_START;
  }

  private searchPercentage(): number {
    const sums = new Map<number, { fraction: number; seen: number }>();
    for (const { slot, fraction, weight } of this.done.values()) {
      const sum = sums.get(slot) ?? { fraction: 0, seen: 0 };
      sum.fraction += fraction * weight;
      sum.seen += weight;
      sums.set(slot, sum);
    }
    let slots = 0;
    for (const [slot, sum] of sums) slots += sum.fraction / Math.max(1, sum.seen, this.plannedBy.get(slot) ?? 0);
    return INGEST_END + ((this.searchEnd() - INGEST_END) * slots) / (this.generations + 1);
  }

  private send(event: ProgressEvent & { phase: ProgressPhase }): void {
    // Whole percent, never down, 100 only when done.
    const cap = event.percentage >= 100 ? 100 : 99;
    this.last = Math.min(cap, Math.max(this.last, Math.floor(event.percentage)));
    this.emit?.({ ...event, percentage: this.last });
  }
}
