import { CacheNames, type CacheClearRequest, type CacheName, type CacheStatsRequest } from '../../protocol/cache.js';
import type { StatusRequest } from '../../protocol/status.js';
import { invalidParams } from '../response-error.js';
import type { RequestHandler } from './handler.js';
import { noParams, optional, paramsOf, strings } from './validate.js';

export const status: RequestHandler<typeof StatusRequest> = {
  validate: noParams,
  handle: ({ daemon }) => daemon.status(),
};

export const cacheStats: RequestHandler<typeof CacheStatsRequest> = {
  validate: noParams,
  handle: async ({ daemon }) => {
    await daemon.engine.cacheWritesSettled();
    return daemon.config.caches.stats();
  },
};

export const cacheClear: RequestHandler<typeof CacheClearRequest> = {
  validate: (raw) => {
    if (raw === undefined || raw === null) return {};
    const caches = optional(paramsOf(raw, ['caches']), 'caches', strings);
    for (const name of caches ?? []) {
      if (!CacheNames.includes(name as CacheName)) throw invalidParams(`params.caches: unknown cache "${name}" (${CacheNames.join(', ')})`);
    }
    return caches ? { caches: caches as CacheName[] } : {};
  },
  handle: async ({ daemon }, params) => {
    // A job's proof-cache writes land after its answer: cleared means none lands afterwards.
    await daemon.engine.cacheWritesSettled();
    return daemon.config.caches.clear(params.caches);
  },
};
