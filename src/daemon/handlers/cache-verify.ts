import { CacheVerifySampleRange, type CacheVerifyFailure, type CacheVerifyRequest } from '../../protocol/cache.js';
import { rangeProblem } from '../../protocol/options.js';
import { JobProgress } from '../job-progress.js';
import { invalidParams } from '../response-error.js';
import { runJob } from '../run-job.js';
import type { RequestHandler } from './handler.js';
import { defined, number, optional, paramsOf, progressToken } from './validate.js';

export const DEFAULT_CACHE_VERIFY_SAMPLE = 20;

/**
 * Checks a random sample of cached proofs again from the evidence stored with them: the evidence must hash
 * to the entry's key, and the verifier must prove the pair again. An entry that fails either is removed
 * (the next job that meets the pair decides it afresh) and listed in the result.
 */
export const cacheVerify: RequestHandler<typeof CacheVerifyRequest> = {
  validate: (raw) => {
    if (raw === undefined || raw === null) return {};
    const fields = paramsOf(raw, ['sample', 'workDoneToken']);
    const sample = optional(fields, 'sample', number);
    const problem = sample === undefined ? undefined : rangeProblem('params.sample', sample, CacheVerifySampleRange);
    if (problem) throw invalidParams(problem);
    return defined({ sample, workDoneToken: optional(fields, 'workDoneToken', progressToken) });
  },
  handle: ({ daemon, session, token }, params) => {
    const proofs = daemon.config.caches.proofs;
    const progress = new JobProgress(session.connection, params.workDoneToken);
    return runJob({ daemon, session, kind: 'cache-verify', progress, cancellation: token, title: 'atoll cache verify' }, async (hooks) => {
      const started = performance.now();
      await daemon.engine.cacheWritesSettled();
      const { sample, examined, withoutEvidence } = await proofs.sampleProved(params.sample ?? DEFAULT_CACHE_VERIFY_SAMPLE);
      const failed: CacheVerifyFailure[] = [];
      for (const [index, entry] of sample.entries()) {
        hooks.signal?.throwIfAborted();
        hooks.onProgress?.({ phase: 'verify', percentage: Math.round((100 * index) / sample.length), done: index, total: sample.length, unit: 'cached proofs' });
        const again = await daemon.engine.recheckProof(entry.evidence, hooks.signal);
        const keyMatches = again.key === entry.key;
        if (keyMatches && again.verdict.status === 'proved') continue;
        failed.push({ key: entry.key, claimed: entry.verdict.method, keyMatches, ...(keyMatches ? { verdict: again.verdict } : {}) });
        hooks.onLog?.(`cached proof ${entry.key} did not hold up (${keyMatches ? `checked again: ${again.verdict.status}` : 'its evidence is not what its key names'}): removed`);
        await proofs.forget(entry.key);
      }
      return { examined, checked: sample.length, confirmed: sample.length - failed.length, failed, withoutEvidence, timeMs: Math.round(performance.now() - started) };
    });
  },
};
