import type { ProgressEvent, ProgressPhase } from '../protocol/progress.js';

/** Share of the bar before the search starts, and where emit starts. */
const INGEST_END = 2;
const EMIT_START = 96;

/**
 * Turns where an optimize job is (generation k of N, item i of n of a verification pass) into the events of
 * the ProgressEvent contract (src/protocol/progress.ts): one percentage over the whole job that never
 * decreases. The N + 1 generation slots share the bar between ingest and emit; in strict mode a slot is a
 * quarter search and three quarters verification (proving dominates strict time with a cold proof cache);
 * in report mode the search takes the first half and the final verification the second.
 */
export class ProgressPlan {
  private last = 0;
  /** Where the current verification pass started on the bar and where its step ends. */
  private pass: { from: number; to: number; total: number; done: number } | undefined;

  constructor(
    private readonly emit: ((event: ProgressEvent) => void) | undefined,
    private readonly generations: number,
    private readonly verify: 'strict' | 'report' | 'off',
  ) {}

  ingest(detail?: string): void {
    this.send({ phase: 'ingest', percentage: 0, ...(detail ? { detail } : {}) });
  }

  /** Generation k starts its search. */
  generation(generation: number): void {
    this.pass = undefined;
    this.send({ phase: generation === 0 ? 'baseline' : 'generation', percentage: this.slotStart(generation), ...this.of(generation) });
  }

  /**
   * Item `done` of `total` of a verification pass: in strict mode within generation `generation`'s slot, in
   * report mode (generation undefined) within the final verification. A pass whose count starts again is a
   * new pass: it moves on from where the bar is and takes two thirds of what is left of the step.
   */
  verified(generation: number | undefined, done: number, total: number, detail?: string): void {
    const to = generation === undefined ? EMIT_START : this.slotStart(generation + 1);
    const from = generation === undefined ? this.searchEnd() : this.slotStart(generation) + this.slotWidth() * this.searchShare();
    if (!this.pass || this.pass.to !== to || done < this.pass.done || total !== this.pass.total) {
      const start = Math.max(from, this.last);
      this.pass = { from: start, to: start + ((to - start) * 2) / 3, total, done };
    }
    this.pass.done = done;
    const percentage = this.pass.from + ((this.pass.to - this.pass.from) * done) / Math.max(1, total);
    this.send({
      phase: 'verify',
      percentage,
      ...(generation === undefined ? {} : this.of(generation)),
      done,
      total,
      unit: 'function pairs',
      ...(detail ? { detail } : {}),
    });
  }

  emitting(detail?: string): void {
    this.send({ phase: 'emit', percentage: EMIT_START, ...(detail ? { detail } : {}) });
  }

  done(detail: string): void {
    this.send({ phase: 'emit', percentage: 100, detail });
  }

  private of(generation: number): Pick<ProgressEvent, 'generation' | 'generations'> {
    return { generation, generations: this.generations };
  }

  private searchShare(): number {
    return this.verify === 'strict' ? 0.25 : 1;
  }

  private searchEnd(): number {
    return this.verify === 'report' ? (INGEST_END + EMIT_START) / 2 : EMIT_START;
  }

  private slotWidth(): number {
    return (this.searchEnd() - INGEST_END) / (this.generations + 1);
  }

  private slotStart(generation: number): number {
    return INGEST_END + this.slotWidth() * generation;
  }

  private send(event: ProgressEvent & { phase: ProgressPhase }): void {
    // Whole percent, never down, 100 only when done.
    const cap = event.percentage >= 100 ? 100 : 99;
    this.last = Math.min(cap, Math.max(this.last, Math.floor(event.percentage)));
    this.emit?.({ ...event, percentage: this.last });
  }
}
