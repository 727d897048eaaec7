import { afterAll, describe, expect, it } from 'vitest';
import { SolverPool } from '../../../src/verify/solver-pool.js';

/**
 * The pool's hard limit (twice the timeout, and a second) is for a z3 that does not stop at its own timeout.
 * It must time z3 on the query, not the wait for a thread: a strict job keeps many checks in flight, and one
 * that waited behind others was answered "timeout (hard limit)" before it had started.
 */
const pool = new SolverPool(1);
afterAll(() => pool.close());

// Factoring the product of two 32-bit primes: far beyond 300 ms of bit-blasting, so z3 gives up at its own
// timeout. Three different products: a z3 that timed out keeps its thread, and asked the same query again it
// may get further the second time.
const hard = (product: string) => '(declare-const x (_ BitVec 32))(declare-const y (_ BitVec 32))' +
  '(assert (bvugt x #x00000001))(assert (bvugt y #x00000001))' +
  `(assert (= (bvmul ((_ zero_extend 32) x) ((_ zero_extend 32) y)) #x${product}))(check-sat)`;
const PRODUCTS = ['ffffffea00000055', 'ffffffba00000145', 'ffffff8c00000693'];

describe('a solver pool with more checks than threads', () => {
  it('times each check from when a thread takes it', async () => {
    await pool.warmUp();
    const answers = await Promise.all(PRODUCTS.map((product) => pool.check({ smt: hard(product), workMs: 300 })));
    for (const answer of answers) {
      expect(answer.status).toBe('unknown');
      expect(answer.status === 'unknown' && answer.reason).not.toMatch(/hard limit/);
    }
  }, 60_000);
});
