import type { CacheVerifyFailure, CacheVerifyResult } from '../../protocol/cache.js';
import { AtollError, ErrorCodes } from '../../protocol/errors.js';
import { cacheVerifyParams } from '../params.js';
import { runJob } from '../run-job.js';
import type { RequestContext } from '../session.js';

export const DEFAULT_CACHE_VERIFY_SAMPLE = 20;

/**
 * Checks a random sample of cached proofs again from the evidence stored with them: the evidence must hash
 * to the entry's key, and the verifier must prove the pair again. An entry that fails either is removed
 * (the next job that meets the pair decides it afresh) and listed in the result.
 */
export async function cacheVerify(context: RequestContext, raw: unknown): Promise<CacheVerifyResult> {
  const params = cacheVerifyParams(raw);
  const engine = context.daemon.engine;
  if (!engine.recheckProof) throw new AtollError(ErrorCodes.NotAvailable, 'checking cached proofs again needs the verifier, which this build lacks');
  const proofs = context.daemon.config.caches.proofs;
  return runJob(context, 'cache-verify', params.workDoneToken, async (hooks) => {
    const started = performance.now();
    const { sample, examined, withoutEvidence } = await proofs.sampleProved(params.sample ?? DEFAULT_CACHE_VERIFY_SAMPLE);
    const failed: CacheVerifyFailure[] = [];
    for (const [index, entry] of sample.entries()) {
      hooks.signal?.throwIfAborted();
      hooks.onProgress?.({ phase: 'verify', message: `checking cached proof ${index + 1} of ${sample.length}`, percentage: Math.round((100 * index) / sample.length) });
      const again = await engine.recheckProof!(entry.evidence, hooks.signal);
      const keyMatches = again.key === entry.key;
      if (keyMatches && again.verdict.status === 'proved') continue;
      failed.push({ key: entry.key, claimed: entry.verdict.method, keyMatches, ...(keyMatches ? { verdict: again.verdict } : {}) });
      hooks.onLog?.(`cached proof ${entry.key} did not hold up (${keyMatches ? `checked again: ${again.verdict.status}` : 'its evidence is not what its key names'}): removed`);
      await proofs.forget(entry.key);
    }
    return { examined, checked: sample.length, confirmed: sample.length - failed.length, failed, withoutEvidence, timeMs: Math.round(performance.now() - started) };
  });
}
