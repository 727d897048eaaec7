import type { WorkDoneProgressValue } from '../../../src/protocol/index.js';

/** One step for an editor progress UI that, like VS Code's, takes increments rather than percentages. */
export interface ProgressStep {
  message?: string;
  increment?: number;
}

/**
 * Turns the daemon's `$/progress` values (absolute percentages, LSP style) into increments. A percentage
 * that goes backwards shows as no movement rather than a negative step; `end` fills the bar.
 */
export class ProgressIncrements {
  private shown = 0;

  step(value: WorkDoneProgressValue): ProgressStep {
    const step: ProgressStep = {};
    if (value.message) step.message = value.message;
    const percentage = value.kind === 'end' ? 100 : value.percentage;
    if (percentage !== undefined) {
      const target = Math.min(100, Math.max(this.shown, percentage));
      if (target > this.shown) step.increment = target - this.shown;
      this.shown = target;
    }
    return step;
  }
}
