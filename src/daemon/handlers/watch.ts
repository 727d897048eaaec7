import { AtollError, ErrorCodes } from '../../protocol/errors.js';
import { watchStartParams, watchStopParams } from '../params.js';
import type { RequestContext } from '../session.js';

// Watch mode is specified in src/protocol/watch.ts but not implemented yet: the methods exist, check their
// params, and answer NotAvailable, and `initialize` reports capabilities.watch = false.
const NOT_YET = 'watch mode is not available in this build yet';

export async function watchStart(_context: RequestContext, raw: unknown): Promise<never> {
  watchStartParams(raw);
  throw new AtollError(ErrorCodes.NotAvailable, NOT_YET);
}

export async function watchStop(_context: RequestContext, raw: unknown): Promise<never> {
  watchStopParams(raw);
  throw new AtollError(ErrorCodes.NotAvailable, NOT_YET);
}
