import type { WatchStartResult, WatchStopResult } from '../../protocol/watch.js';
import { watchStartParams, watchStopParams } from '../params.js';
import type { RequestContext } from '../session.js';

/** Answers once the initial scan is done, so a file written after the answer is seen as a change. */
export function watchStart({ daemon, session }: RequestContext, raw: unknown): Promise<WatchStartResult> {
  return daemon.watches.start(daemon, session, watchStartParams(raw));
}

export async function watchStop({ daemon, session }: RequestContext, raw: unknown): Promise<WatchStopResult> {
  return { stopped: await daemon.watches.stop(session, watchStopParams(raw).watchId) };
}
