/**
 * Error codes shared by the engine, the daemon and every client. JSON-RPC reserves -32768..-32000;
 * atoll's own codes live in -33000..-33099 so they never collide with LSP's.
 */
export const ErrorCodes = {
  /** JSON-RPC: the body is not JSON (id null); also a lost framing, after which the connection closes. */
  ParseError: -32700,
  /** JSON-RPC: not a valid message, an id already in flight, over a limit, or not allowed now (a second `initialize`). */
  InvalidRequest: -32600,
  /** JSON-RPC: the params did not have the documented shape. */
  InvalidParams: -32602,
  /** JSON-RPC: a bug in atoll; the message says what failed. */
  InternalError: -32603,
  /** LSP: the client cancelled the request. */
  RequestCancelled: -32800,
  /** LSP: a request arrived before `initialize` or after `shutdown`. */
  ServerNotInitialized: -32002,

  /** The input bytes are not a WebAssembly module (bad magic or version). */
  NotWasm: -33001,
  /** The module is cut short or malformed; the message names the byte offset when known. */
  MalformedWasm: -33002,
  /** The module decodes but does not validate. */
  InvalidWasm: -33003,
  /** The module needs a feature atoll cannot handle. */
  UnsupportedFeature: -33004,
  /** A named file does not exist or cannot be read. */
  FileNotFound: -33005,
  /** An option has a value outside its documented range. */
  BadOption: -33006,
  /** The output could not be written. */
  OutputFailed: -33007,
  /** Every island failed (binaryen aborted or ran out of memory); nothing usable was produced. */
  OptimizerFailed: -33008,
  /** An input module is larger than the daemon's limit (`--max-input-mb`); data says how large. */
  InputTooLarge: -33010,
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** An error a user can act on: a stable code plus a message that names the problem. */
export class AtollError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AtollError';
  }
}

export function isAtollError(error: unknown): error is AtollError {
  return error instanceof AtollError;
}
