import { afterAll, beforeAll } from 'vitest';
import type { Verdict } from '../../src/protocol/report.js';
import { jobVerdicts } from '../../src/verify/proof-cache.js';
import { Verifier } from '../../src/verify/index.js';
import { BinaryenPool, type EvaluateRequest } from '../../src/workers/binaryen-pool.js';

type StrictChecks = NonNullable<EvaluateRequest['checks']>;

/**
 * A binaryen pool and a verifier, started before the tests of the file that calls this and closed after
 * them, and the checks of a strict evaluation on them: each call has its own in-memory proof cache, so no
 * test finds another's proofs.
 */
export function checkedPool(): { pool(): BinaryenPool; strictChecks(extra?: Partial<StrictChecks>): Promise<StrictChecks> } {
  let pool: BinaryenPool | undefined;
  let verifier: Verifier | undefined;
  beforeAll(async () => {
    pool = new BinaryenPool({ threads: 1 });
    verifier = new Verifier({ threads: 2 });
    await verifier.warmUp();
  });
  afterAll(async () => {
    await pool?.close();
    await verifier?.close();
  });
  return {
    pool: () => pool!,
    async strictChecks(extra = {}) {
      const checker = verifier!;
      const verdicts = jobVerdicts(undefined, new Map<string, Verdict>());
      return {
        mode: 'strict',
        z3Version: await checker.z3Version(),
        concurrency: 4,
        services: { solve: (query) => checker.solve(query), proofGet: (key) => verdicts.get(key), proofSet: (key, verdict) => verdicts.set(key, verdict) },
        ...extra,
      };
    },
  };
}
