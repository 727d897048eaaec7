import type { FunctionVerdict } from '../protocol/report.js';
import type { ProofEvidence } from './cache-key.js';

/** Where verdicts are kept between runs; the daemon implements it (memory over disk). */
export interface ProofCache {
  get(key: string): Promise<FunctionVerdict['verdict'] | undefined>;
  /** `evidence` gives what a proved verdict can be checked again from (called only if the cache keeps it). */
  set(key: string, verdict: FunctionVerdict['verdict'], evidence?: () => ProofEvidence): Promise<void>;
}

/** Proofs and refutations are facts; of the unknowns only those that do not depend on time or luck. */
export function isCacheable(verdict: FunctionVerdict['verdict']): boolean {
  if (verdict.status !== 'unknown') return true;
  return verdict.reason === 'unsupported' || verdict.reason === 'loop' || verdict.reason === 'size-cap' || verdict.reason === 'signature-changed';
}
