import { AtollError, ErrorCodes, type ErrorCode } from '../protocol/errors.js';

/**
 * An AtollError on its way out of a worker thread. A thrown error crosses the thread boundary by structured
 * clone, which keeps an Error's message and stack but not its class, code or data: the daemon would then
 * answer a user's bad module as an internal error. So a worker returns this in place of throwing, and the
 * pool that receives it throws the AtollError again on the calling thread.
 */
export interface CarriedAtollError {
  carriedAtollError: { code: ErrorCode; message: string; data?: Record<string, unknown> };
}

/** The worker side: runs `task` and carries an AtollError it throws back as a value (other errors are thrown). */
export async function carryingAtollErrors<T>(task: () => T | Promise<T>): Promise<T | CarriedAtollError> {
  try {
    return await task();
  } catch (error) {
    if (!(error instanceof AtollError)) throw error;
    return { carriedAtollError: { code: error.code, message: error.message, ...(error.data ? { data: error.data } : {}) } };
  }
}

function isCarried(value: unknown): value is CarriedAtollError {
  if (typeof value !== 'object' || value === null || !('carriedAtollError' in value)) return false;
  const carried = (value as CarriedAtollError).carriedAtollError;
  return typeof carried?.message === 'string' && (Object.values(ErrorCodes) as number[]).includes(carried.code);
}

/** The calling side: the worker's result, or the AtollError it carried, thrown again with its code and data. */
export function unwrapWorkerResult<T>(value: T | CarriedAtollError): T {
  if (!isCarried(value)) return value as T;
  const { code, message, data } = value.carriedAtollError;
  throw new AtollError(code, message, data);
}
