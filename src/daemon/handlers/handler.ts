import type { ParamsOf, ResultOf } from '../../protocol/messages.js';
import type { RequestContext } from '../session.js';

/**
 * How the daemon answers one request of the protocol: `validate` turns the raw params into the request's
 * param type (or throws InvalidParams naming the field), `handle` does the work.
 */
export interface RequestHandler<R> {
  validate(raw: unknown): ParamsOf<R>;
  handle(context: RequestContext, params: ParamsOf<R>): Promise<ResultOf<R>>;
}
