import { describe, expect, it } from 'vitest';
import { ProgressPlan } from '../../../src/engine/progress.js';
import { progressText, type ProgressEvent } from '../../../src/protocol/progress.js';

function strictJob(generations: number): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  const plan = new ProgressPlan((event) => events.push(event), generations, 'strict');
  plan.ingest();
  for (let g = 0; g <= generations; g++) {
    plan.generation(g);
    // A candidate of 47 functions, then its mosaic of 16: the counts start over, the bar must not.
    for (let done = 1; done <= 47; done++) plan.verified(g, done, 47);
    for (let done = 1; done <= 16; done++) plan.verified(g, done, 16, 'checking the mosaic');
  }
  plan.emitting();
  plan.done('done');
  return events;
}

describe('the progress of an optimize job (ProgressEvent contract)', () => {
  it('moves over the whole job and never goes back, though the per-step counts restart', () => {
    const events = strictJob(4);
    const percentages = events.map((event) => event.percentage);
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
    expect(percentages[0]).toBe(0);
    expect(percentages.at(-1)).toBe(100);
    expect(percentages.filter((p) => p === 100)).toHaveLength(1);
    // Every generation moves the bar: no plateau of a whole generation.
    const firstOf = (g: number) => events.find((event) => event.generation === g)!.percentage;
    for (let g = 1; g <= 4; g++) expect(firstOf(g)).toBeGreaterThan(firstOf(g - 1));
    // Verification moves it within a generation.
    const verifying = events.filter((event) => event.generation === 2 && event.phase === 'verify').map((event) => event.percentage);
    expect(verifying.at(-1)! - verifying[0]!).toBeGreaterThanOrEqual(5);
  });

  it('says generation k of N and the counts of the step in every client the same way', () => {
    const event = strictJob(4).find((e) => e.generation === 2 && e.done === 12 && e.total === 47)!;
    expect(progressText(event)).toBe('generation 2 of 4: verifying 12 of 47 function pairs');
    expect(progressText({ phase: 'ingest', percentage: 0 })).toBe('reading the module');
  });
});
