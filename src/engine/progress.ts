import type { ProgressEvent } from '../protocol/report.js';
import type { TaskProgress } from '../workers/services.js';

/** Where each phase of a job sits on the 0..100 scale the client sees. */
const SPAN = { ingest: [0, 3], search: [3, 92], check: [92, 98], emit: [98, 100] } as const;

/**
 * Progress over the whole job: the search is `evaluations` pipeline runs (islands × generations, plus the
 * baseline), each moving from 0 to 1 as its passes and their step checks finish, so the percentage moves
 * with the work actually done rather than by generation only. It never goes down (a report that would lower
 * it is sent with the highest value reached), and reports are thinned to one per 1 % or per 250 ms.
 */
export class JobProgress {
  private highest = 0;
  private lastSent = 0;
  private readonly done = new Map<string, number>();
  private evaluations = 1;

  /** `phase` is what the evaluations' reports are labelled (the search's generations, or a verify job). */
  constructor(
    private readonly send: ((event: ProgressEvent) => void) | undefined,
    private readonly phaseOfWork: ProgressEvent['phase'] = 'generation',
  ) {}

  phase(phase: ProgressEvent['phase'], message: string, where: keyof typeof SPAN, fraction = 0): void {
    const [from, to] = SPAN[where];
    this.emit(phase, message, from + (to - from) * Math.min(1, Math.max(0, fraction)), true);
  }

  /** The search will run this many evaluations in all. */
  planSearch(evaluations: number): void {
    this.evaluations = Math.max(1, evaluations);
  }

  /** One evaluation's position (by its own id), from its task's progress notes. */
  evaluation(id: string, note: TaskProgress, describe: () => string): void {
    const steps = note.steps > 0 ? note.stepsDone / note.steps : 0;
    const fraction = note.passes > 0 ? Math.min(1, (note.passesDone + steps) / note.passes) : 0;
    this.done.set(id, Math.max(this.done.get(id) ?? 0, fraction));
    this.searchReport(describe());
  }

  /** An evaluation finished (also one that failed or ran without notes). */
  finished(id: string, describe: () => string): void {
    this.done.set(id, 1);
    this.searchReport(describe());
  }

  private searchReport(message: string): void {
    let sum = 0;
    for (const fraction of this.done.values()) sum += fraction;
    const [from, to] = SPAN.search;
    this.emit(this.phaseOfWork, message, from + ((to - from) * sum) / this.evaluations, false);
  }

  private emit(phase: ProgressEvent['phase'], message: string, percentage: number, always: boolean): void {
    if (!this.send) return;
    const value = Math.max(this.highest, Math.floor(percentage));
    const now = performance.now();
    if (!always && value === this.highest && now - this.lastSent < 250) return;
    this.highest = value;
    this.lastSent = now;
    this.send({ phase, message, percentage: value });
  }
}
