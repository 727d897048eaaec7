import type { Verdict } from '../protocol/report.js';
import type { ProofEvidence } from './cache-key.js';

/** Where verdicts are kept between runs; the daemon implements it (memory over disk). */
export interface ProofCache {
  get(key: string): Promise<Verdict | undefined>;
  /** `evidence` gives what a proved verdict can be checked again from (called only if the cache keeps it). */
  set(key: string, verdict: Verdict, evidence?: () => ProofEvidence): Promise<void>;
}

/** Proofs and refutations are facts; of the unknowns only those that do not depend on time or luck. */
export function isCacheable(verdict: Verdict): boolean {
  if (verdict.status !== 'unknown') return true;
  return verdict.reason === 'unsupported' || verdict.reason === 'loop' || verdict.reason === 'size-cap' || verdict.reason === 'signature-changed';
}

/**
 * The verdicts one job consults and records: every verdict of this job, timeouts included (so a pair that
 * timed out is not sent to the solver again by another island or generation), over the persistent proof
 * cache, which receives only the cacheable ones.
 */
export function jobVerdicts(persistent: ProofCache | undefined, session = new Map<string, Verdict>()): ProofCache {
  return {
    async get(key) {
      return session.get(key) ?? (await persistent?.get(key));
    },
    async set(key, verdict, evidence) {
      session.set(key, verdict);
      if (persistent && isCacheable(verdict)) await persistent.set(key, verdict, evidence);
    },
  };
}
