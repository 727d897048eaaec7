import type { CacheClearResult, CacheStats } from '../../protocol/cache.js';
import type { StatusResult } from '../../protocol/status.js';
import { cacheClearParams } from '../params.js';
import type { RequestContext } from '../session.js';

export function status({ daemon }: RequestContext): Promise<StatusResult> {
  return daemon.status();
}

export function cacheStats({ daemon }: RequestContext): Promise<CacheStats> {
  return daemon.config.caches.stats();
}

export function cacheClear({ daemon }: RequestContext, raw: unknown): Promise<CacheClearResult> {
  return daemon.config.caches.clear(cacheClearParams(raw).caches);
}
