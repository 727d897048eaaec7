import { describe, expect, it } from 'vitest';
import { ProgressPlan } from '../../../src/engine/progress.js';
import { progressText, type ProgressEvent } from '../../../src/protocol/progress.js';

/** A strict job of two islands: each evaluation reports its passes, and the step checks of each pass. */
function strictJob(generations: number): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  const islands = 2;
  const plan = new ProgressPlan((event) => events.push(event), generations, 'strict');
  plan.ingest();
  plan.planned(0, islands, true);
  for (let g = 0; g <= generations; g++) {
    if (g > 0) plan.planned(g, islands, true);
    for (let island = 0; island < islands; island++) {
      const id = `${island}/${g}`;
      for (let pass = 0; pass < 10; pass++) {
        // Each pass checks its own steps: the count starts over, the bar must not.
        for (let done = 0; done <= 47; done++) plan.evaluation(id, g, { passesDone: pass, passes: 10, stepsDone: done, steps: 47, pass: 'optimize-instructions' });
      }
      plan.evaluated(id, g, true);
    }
  }
  plan.emitting();
  plan.finished('done');
  return events;
}

describe('the progress of an optimize job (ProgressEvent contract)', () => {
  it('moves over the whole job and never goes back, though the per-pass counts restart', () => {
    const events = strictJob(4);
    const percentages = events.map((event) => event.percentage);
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
    expect(percentages[0]).toBe(0);
    expect(percentages.at(-1)).toBe(100);
    expect(percentages.filter((p) => p === 100)).toHaveLength(1);
    // Every generation moves the bar, and so do the steps inside a generation.
    const firstOf = (g: number) => events.find((event) => event.generation === g)!.percentage;
    for (let g = 1; g <= 4; g++) expect(firstOf(g)).toBeGreaterThan(firstOf(g - 1));
    const inside = events.filter((event) => event.generation === 2).map((event) => event.percentage);
    expect(inside.at(-1)! - inside[0]!).toBeGreaterThanOrEqual(10);
  });

  it('says generation k of N and the step counts of the pass in every client the same way', () => {
    const event = strictJob(4).find((e) => e.generation === 2 && e.done === 12 && e.total === 47)!;
    expect(progressText(event)).toBe('generation 2 of 4: checking optimize-instructions 12 of 47 pass steps');
    expect(progressText({ phase: 'ingest', percentage: 0 })).toBe('reading the module');
  });

  it("keeps most of generation 0's share for its proof: the unchecked screens of the alternatives do not fill it", () => {
    const events: ProgressEvent[] = [];
    const plan = new ProgressPlan((event) => events.push(event), 2, 'strict');
    plan.ingest();
    // As the archipelago plans a strict generation 0: eight screening runs, then one proof of a two-step alternative.
    plan.planned(0, 8, false);
    plan.planned(0, 1, true);
    for (let i = 0; i < 8; i++) plan.evaluated(`screen ${i}`, 0, false);
    const afterScreens = events.at(-1)!.percentage;
    plan.planned(0, 1, true);
    for (let pass = 0; pass < 20; pass++) plan.evaluation('proof 1', 0, { passesDone: pass, passes: 20, stepsDone: 0, steps: 0 });
    plan.evaluated('proof 1', 0, true);
    const halfProved = events.at(-1)!.percentage;
    // Generation 0 is a third of the bar between ingest (2) and emit (96).
    expect(afterScreens).toBeLessThan(2 + 94 / 3 / 3);
    expect(halfProved - afterScreens).toBeGreaterThanOrEqual(10);
    plan.evaluated('proof 2', 0, true);
    expect(events.at(-1)!.percentage).toBe(Math.floor(2 + 94 / 3));
  });

  it('counts function pairs, not pass steps, when a whole jump is verified', () => {
    const events: ProgressEvent[] = [];
    const plan = new ProgressPlan((event) => events.push(event), 0, 'off');
    plan.evaluation('verify', undefined, { passesDone: 0, passes: 1, stepsDone: 3, steps: 45, unit: 'function pairs' });
    expect(progressText(events.at(-1)!)).toMatch(/checking 3 of 45 function pairs$/);
  });
});
