import { describe, expect, it } from 'vitest';
import { isSolverFailure } from '../../../src/verify/solver-task.js';

// What z3's reason_unknown says when it ran out of time or means (a timeout, to be cached as one) and when it
// failed inside (an exception's message: a solver error, retried on a fresh z3). The failures are the texts
// seen on whole-jump queries of oniguruma.
const cases: Array<[string, boolean]> = [
  ['timeout', false],
  ['canceled', false],
  ['max. resource limit exceeded', false],
  ['max. memory exceeded', false],
  ['(incomplete quantifiers)', false],
  ['unknown', false],
  ['Sort mismatch at argument #1 for function (declare-fun = ((_ BitVec 32) (_ BitVec 32)) Bool) supplied sort is Bool', true],
  ['Sort mismatch at argument #1 for function (declare-fun not (Bool) Bool) supplied sort is (_ BitVec 1)', true],
  ['unreachable', true],
];

describe('isSolverFailure', () => {
  it.each(cases)('%s → %s', (reason, failure) => {
    expect(isSolverFailure(reason)).toBe(failure);
  });
});
