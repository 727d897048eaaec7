import { describe, expect, it } from 'vitest';
import { spanLengths } from '../../../src/workers/pipeline/proved-pipeline.js';

describe('spanLengths: where runs of function passes become spans', () => {
  it('groups two or more consecutive function passes and leaves module passes alone', () => {
    expect(spanLengths(['duplicate-function-elimination', 'dce', 'vacuum', 'optimize-instructions', 'inlining-optimizing', 'vacuum']))
      .toEqual([1, 3, 1, 1, 1, 1]);
  });

  it('keeps touched passes and passes on every function in separate spans', () => {
    expect(spanLengths(['inlining', 'dce@touched', 'vacuum@touched', 'precompute@touched', 'dce', 'vacuum']))
      .toEqual([1, 3, 1, 1, 2, 1]);
  });

  it('ends a run on every function one pass early when a touched pass follows it (that pass feeds it)', () => {
    expect(spanLengths(['dce', 'vacuum', 'merge-blocks', 'dce@touched', 'vacuum@touched'])).toEqual([2, 1, 1, 2, 1]);
    expect(spanLengths(['dce', 'vacuum', 'dce@touched'])).toEqual([1, 1, 1]);
  });

  it('makes no span of a lone function pass or of an empty list', () => {
    expect(spanLengths(['dae-optimizing', 'vacuum', 'directize'])).toEqual([1, 1, 1]);
    expect(spanLengths([])).toEqual([]);
  });
});
