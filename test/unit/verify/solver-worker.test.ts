import { describe, expect, it } from 'vitest';
import type { SolverReply } from '../../../src/verify/solver-task.js';

/**
 * The z3 worker (solver-worker.ts) keeps its z3 after a check that timed out: that instance answers the next
 * query as fast as a fresh one would, so replacing the thread (a second or more of start-up) bought nothing.
 */
const EASY = '(declare-const x (_ BitVec 32))(assert (not (= (bvmul x #x00000008) (bvshl x #x00000003))))(check-sat)';
// Factoring a 64-bit odd number: bit-blasted multiplication z3 does not finish in a few hundred ms.
const HARD = '(declare-const x (_ BitVec 64))(declare-const y (_ BitVec 64))(assert (bvult x #x0000000100000000))' +
  '(assert (bvult y #x0000000100000000))(assert (bvugt x #x0000000000000001))(assert (bvugt y #x0000000000000001))' +
  '(assert (= (bvmul x y) #xd4e8a0b6f1c2e5a7))(check-sat)';

describe('a z3 worker after a timeout', () => {
  it('keeps its thread, and its z3 still answers an easy query', { timeout: 60_000 }, async () => {
    const { default: solve } = await import('../../../src/verify/solver-worker.js');
    const timedOut = (await solve({ kind: 'check', smt: HARD, workMs: 300 })) as SolverReply;
    expect(timedOut.answer).toMatchObject({ status: 'unknown' });
    expect(timedOut.retireThread).toBeUndefined();
    const after = (await solve({ kind: 'check', smt: EASY, workMs: 5000 })) as SolverReply;
    expect(after.answer.status).toBe('unsat');
    expect(after.retireThread).toBeUndefined();
  });
});
