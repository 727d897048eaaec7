import type { ProgressEvent, ProgressPhase } from '../protocol/progress.js';
import type { TaskProgress } from '../workers/services.js';

/** Share of the bar before the search starts, and where emit starts. */
const INGEST_END = 2;
const EMIT_START = 96;

/**
 * Turns where a job is into the events of the ProgressEvent contract (src/protocol/progress.ts): one
 * percentage over the whole job that never decreases. A job of N generations is N + 1 equal slots of the
 * search's part of the bar; a slot is shared by the evaluations its generation plans (generation 0: the
 * alternatives' steps, plus the unchecked -Oz baseline in strict mode; later ones: each island's steps; an
 * assembly is planned when it starts), each moving from 0 to 1 as its passes and their step checks finish
 * (the task's own notes), so the bar moves with the work done, also inside a generation. Report mode's check
 * of the champion's steps takes the second half of the bar; a verify job is one piece of work.
 */
export class ProgressPlan {
  private last = 0;
  /** Per evaluation: its generation's slot and how far it is. */
  private readonly done = new Map<string, { slot: number; fraction: number }>();
  /** Per slot: evaluations planned. */
  private readonly plannedBy = new Map<number, number>();

  constructor(
    private readonly emit: ((event: ProgressEvent) => void) | undefined,
    private readonly generations: number,
    private readonly verify: 'strict' | 'report' | 'off',
  ) {}

  /** `count` more evaluations will run in `generation`. */
  planned(generation: number, count: number): void {
    this.plannedBy.set(generation, (this.plannedBy.get(generation) ?? 0) + count);
  }

  ingest(detail?: string): void {
    this.send({ phase: 'ingest', percentage: 0, ...(detail ? { detail } : {}) });
  }

  /**
   * An evaluation's position (island's, of generation `generation`; undefined for work outside the
   * generations: the baseline, a verify job) from its task's notes: passes done, and the step checks of the
   * current pass, whose count starts again with each pass (the bar does not).
   */
  evaluation(id: string, generation: number | undefined, note: TaskProgress): void {
    const steps = note.steps > 0 ? note.stepsDone / note.steps : 0;
    this.advance(id, generation, note.passes > 0 ? (note.passesDone + steps) / note.passes : 0);
    this.send({
      phase: generation === undefined ? 'verify' : generation === 0 ? 'baseline' : 'generation',
      percentage: this.searchPercentage(),
      ...(generation === undefined ? {} : { generation, generations: this.generations }),
      ...(note.steps > 0 ? { done: note.stepsDone, total: note.steps, unit: note.unit ?? 'pass steps', detail: 'checking' } : {}),
    });
  }

  /** An evaluation finished (or failed): its share of the bar is full. */
  evaluated(id: string, generation: number | undefined): void {
    this.advance(id, generation, 1);
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

  private advance(id: string, generation: number | undefined, fraction: number): void {
    const slot = generation ?? 0;
    this.done.set(id, { slot, fraction: Math.max(this.done.get(id)?.fraction ?? 0, Math.min(1, fraction)) });
  }

  private searchEnd(): number {
    return this.verify === 'report' ? (INGEST_END + EMIT_START) / 2 : EMIT_START;
  }

  private searchPercentage(): number {
    const sums = new Map<number, { fraction: number; seen: number }>();
    for (const { slot, fraction } of this.done.values()) {
      const sum = sums.get(slot) ?? { fraction: 0, seen: 0 };
      sum.fraction += fraction;
      sum.seen++;
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
