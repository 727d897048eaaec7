import type { Verdict } from '../protocol/report.js';
import type { ProofEvidence } from './cache-key.js';

/** Where verdicts are kept between runs; the daemon implements it (memory over disk). */
export interface ProofCache {
  get(key: string): Promise<Verdict | undefined>;
  /** `evidence` gives what a proved verdict can be checked again from (called only if the cache keeps it). */
  set(key: string, verdict: Verdict, evidence?: () => ProofEvidence): Promise<void>;
  /** Gives up the claim a missed `get` took when no verdict follows (see JobVerdicts); absent: nothing to give up. */
  release?(key: string): void;
}

/**
 * Proofs and refutations are facts; so are the unknowns that do not depend on luck, and a timeout, which the
 * checker stores under a key naming the limits it ran out of (checker.ts): builds that run again and again
 * do not wait out the same timeout each time. A refutation found by running rests on the whole module it ran
 * in (callee bodies, data, tables), more than a proof-cache key describes, so it is found again rather than
 * kept; so is an encoder or solver failure.
 */
export function isCacheable(verdict: Verdict): boolean {
  if (verdict.status === 'refuted') return verdict.counterexample.foundBy !== 'run';
  if (verdict.status !== 'unknown') return true;
  return verdict.reason === 'unsupported' || verdict.reason === 'loop' || verdict.reason === 'size-cap' || verdict.reason === 'signature-changed' ||
    verdict.reason === 'timeout';
}

/** The verdicts of one job: a `ProofCache` whose misses are claims (see jobVerdicts). */
export interface JobVerdicts extends ProofCache {
  /** Gives up the claim a missed `get` took, with no verdict to record (the pair was not decided). */
  release(key: string): void;
  /** Waits for the persistent cache's writes of this job; the first that failed, if one did. */
  flush(): Promise<string | undefined>;
}

/**
 * The verdicts one job consults and records: every verdict of this job, timeouts included (so a pair that
 * timed out is not sent to the solver again by another island or generation), over the persistent proof
 * cache, which receives only the cacheable ones.
 *
 * A `get` that misses claims its key until the claimant records a verdict (`set`) or gives the claim up
 * (`release`); a `get` of a claimed key waits for that. Islands run the same passes on the same functions at
 * the same time (every island starts from a preset), so without claims each would ask z3 the same hard
 * question at once and wait out the same timeout: measured on hash-wasm's blake3, the same step timed out
 * on two islands side by side, 20 s each. A waiter that finds the claim released claims the key itself.
 */
export function jobVerdicts(persistent: ProofCache | undefined, session = new Map<string, Verdict>()): JobVerdicts {
  const claims = new Map<string, { settled: Promise<void>; settle(): void }>();
  const writes = new Set<Promise<void>>();
  let failed: string | undefined;
  const settle = (key: string) => {
    claims.get(key)?.settle();
    claims.delete(key);
  };
  return {
    async get(key) {
      for (;;) {
        const known = session.get(key);
        if (known) return known;
        const claim = claims.get(key);
        if (!claim) break;
        await claim.settled;
      }
      let resolve!: () => void;
      const settled = new Promise<void>((r) => (resolve = r));
      claims.set(key, { settled, settle: resolve });
      const stored = await persistent?.get(key);
      if (stored) {
        session.set(key, stored);
        settle(key);
      }
      return stored;
    },
    async set(key, verdict, evidence) {
      session.set(key, verdict);
      settle(key);
      if (!persistent || !isCacheable(verdict)) return;
      // Written behind the check that found it (the job has it in `session`): the job waits for its writes at
      // its end (flush), not at each check. A one-function edit's quick rebuild waited ~5 ms per fresh proof.
      const write: Promise<void> = persistent.set(key, verdict, evidence)
        .catch((error: unknown) => void (failed ??= error instanceof Error ? error.message : String(error)))
        .finally(() => writes.delete(write));
      writes.add(write);
    },
    release: settle,
    async flush() {
      while (writes.size > 0) await Promise.all([...writes]);
      return failed;
    },
  };
}
