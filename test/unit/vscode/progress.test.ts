import { describe, expect, it } from 'vitest';
import { ProgressIncrements } from '../../../clients/vscode/src/progress.js';

describe('ProgressIncrements', () => {
  it('turns absolute percentages into increments, never negative, and fills the bar at the end', () => {
    const increments = new ProgressIncrements();
    expect(increments.step({ kind: 'begin', title: 'atoll optimize', cancellable: true, message: 'started', percentage: 0 })).toEqual({ message: 'started' });
    expect(increments.step({ kind: 'report', message: 'generation 1/4', percentage: 30, phase: 'generation' })).toEqual({ message: 'generation 1/4', increment: 30 });
    expect(increments.step({ kind: 'report', message: 'baseline', percentage: 20 })).toEqual({ message: 'baseline' });
    expect(increments.step({ kind: 'report', percentage: 75 })).toEqual({ increment: 45 });
    expect(increments.step({ kind: 'end', message: 'done' })).toEqual({ message: 'done', increment: 25 });
  });
});
