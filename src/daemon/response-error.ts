import { ResponseError } from 'vscode-jsonrpc';
import { AtollError, ErrorCodes, isAtollError, type ErrorCode } from '../protocol/errors.js';

export function atollResponseError(code: ErrorCode, message: string, data?: unknown): ResponseError<unknown> {
  return new ResponseError(code, message, data);
}

export function cancelledError(): ResponseError<unknown> {
  return atollResponseError(ErrorCodes.RequestCancelled, 'the request was cancelled');
}

/**
 * Turns anything a handler threw into a JSON-RPC error: AtollErrors keep their code and message; anything
 * else is a bug in atoll, answered as InternalError with the message, and logged with its stack.
 */
export function toResponseError(error: unknown, log: (line: string) => void): ResponseError<unknown> {
  if (error instanceof ResponseError) return error;
  if (isAtollError(error)) return atollResponseError(error.code, error.message, error.data);
  if (error instanceof Error && error.name === 'AbortError') return cancelledError();
  const message = error instanceof Error ? error.message : String(error);
  log(`internal error: ${error instanceof Error ? (error.stack ?? message) : message}`);
  return atollResponseError(ErrorCodes.InternalError, `internal error: ${message}`);
}

export function invalidParams(message: string): AtollError {
  return new AtollError(ErrorCodes.InvalidParams, message);
}
