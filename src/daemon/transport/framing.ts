import type { Readable } from 'node:stream';
import { AbstractMessageReader, Disposable, type DataCallback } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors.js';
import { classifyMessage, type RequestId } from './messages.js';

export interface FramingLimits {
  /** Largest message body, bytes. A larger Content-Length is refused before a byte of the body is kept. */
  maxMessageBytes: number;
  /** Largest header block, bytes (LSP's is one or two short lines). */
  maxHeaderBytes: number;
  /**
   * A message was started and nothing more arrived for this long: the framing is lost (a Content-Length
   * larger than the body that came), and waiting longer would leave the client waiting for an answer forever.
   */
  stallMs: number;
}

const PARSE_ERROR = ErrorCodes.ParseError;
const INVALID_REQUEST = ErrorCodes.InvalidRequest;

/**
 * Bytes of large message bodies being received over all connections: the most one daemon holds in framing
 * buffers for them. Messages up to SMALL_MESSAGE_BYTES do not count, so that a `status` or a `cancel` is
 * read even while large modules fill the budget.
 */
export class MessageBudget {
  static readonly SMALL_MESSAGE_BYTES = 64 * 1024;
  private used = 0;

  constructor(readonly totalBytes: number) {}

  /** The bytes reserved for a body of `bytes` (0 for a small one), or undefined when they do not fit. */
  reserve(bytes: number): number | undefined {
    if (bytes <= MessageBudget.SMALL_MESSAGE_BYTES) return 0;
    if (this.used + bytes > this.totalBytes) return undefined;
    this.used += bytes;
    return bytes;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }

  get inUse(): number {
    return this.used;
  }
}

/** Something wrong with one frame, answered as a JSON-RPC error. */
export interface FrameFault {
  code: typeof PARSE_ERROR | typeof INVALID_REQUEST;
  message: string;
  id: RequestId | null;
}

export interface FramingHooks {
  /** Sends the error response for a fault; the reader waits for it before it reports a lost framing. */
  answer(fault: FrameFault): Promise<void>;
  /** The framing is lost (or a limit was hit): the transport must be closed; `reason` says why. */
  onFatal(reason: string): void;
  /** Ids of this connection's requests not answered yet (the writer removes an id when it answers). */
  inFlight: Set<string>;
}

const EMPTY = Buffer.alloc(0);
const HEADER_END = Buffer.from('\r\n\r\n');

/** The body length of a header block, or why the block is not one atoll can read. */
function contentLength(block: string): number | string {
  let length: number | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `a header line must be "Name: value", got ${JSON.stringify(line.slice(0, 80))}`;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d{1,15}$/.test(value)) return `Content-Length must be a non-negative integer, got ${JSON.stringify(value.slice(0, 40))}`;
      if (length !== undefined && length !== Number(value)) return 'two different Content-Length headers';
      length = Number(value);
    } else if (name === 'content-type') {
      const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(value)?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return `only the utf-8 charset is supported, got ${charset}`;
    }
  }
  return length ?? 'the header has no Content-Length';
}

/**
 * LSP framing (`Content-Length` header, blank line, JSON body) with limits, read by atoll rather than by
 * vscode-jsonrpc's reader, which buffers any declared length, keeps its buffer after the client left, and
 * answers nothing to a broken header or body (the connection just stops answering). Here:
 * - a header block must end within maxHeaderBytes and name a Content-Length of at most maxMessageBytes, and
 *   the body's bytes are reserved from the daemon-wide MessageBudget before they are kept;
 * - a body that is not UTF-8 JSON is answered -32700, one that is JSON but not a message -32600 (with its
 *   id when it has one), a request whose id is still in flight on this connection -32600; then the next
 *   frame is read as usual;
 * - a header that cannot be read, a message over a limit, or a message that stalls midway loses the framing:
 *   it is answered -32700 or -32600 with id null, and `onFatal` asks for the transport to be closed;
 * - buffers are freed at once when the transport ends, closes or fails.
 */
export class BoundedMessageReader extends AbstractMessageReader {
  private state: 'header' | 'body' | 'failed' = 'header';
  private closed = false;
  /** An incomplete header block (at most maxHeaderBytes). */
  private header: Buffer = EMPTY;
  private body: Buffer[] = [];
  private bodyBytes = 0;
  private expected = 0;
  private reserved = 0;
  private callback: DataCallback | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private lastDataAt = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly input: Readable,
    private readonly limits: FramingLimits,
    private readonly budget: MessageBudget,
    private readonly hooks: FramingHooks,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer) => this.onData(chunk);
    const onEnd = () => this.finish();
    const onError = (error: Error) => this.fireError(error);
    this.input.on('data', onData);
    this.input.on('end', onEnd);
    this.input.on('close', onEnd);
    this.input.on('error', onError);
    return Disposable.create(() => {
      this.input.off('data', onData);
      this.input.off('end', onEnd);
      this.input.off('close', onEnd);
      this.input.off('error', onError);
    });
  }

  override dispose(): void {
    this.freeBuffers();
    super.dispose();
  }

  /** Bytes this connection holds in framing buffers now. */
  get bufferedBytes(): number {
    return this.header.length + this.bodyBytes;
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'failed') return;
    this.lastDataAt = Date.now();
    // A fault returns nothing left to read, which ends the loop.
    let rest = chunk;
    while (rest.length > 0) rest = this.state === 'header' ? this.readHeader(rest) : this.readBody(rest);
    this.armStallTimer();
  }

  private readHeader(chunk: Buffer): Buffer {
    const data = this.header.length > 0 ? Buffer.concat([this.header, chunk]) : chunk;
    const end = data.indexOf(HEADER_END);
    const tooLong = end < 0 ? data.length > this.limits.maxHeaderBytes + HEADER_END.length : end > this.limits.maxHeaderBytes;
    if (tooLong) {
      this.fail(PARSE_ERROR, `no end of a header block within ${this.limits.maxHeaderBytes} bytes: not LSP framing (Content-Length: N, blank line, body)`);
      return EMPTY;
    }
    if (end < 0) {
      // A copy: a slice would keep the whole chunk it came from.
      this.header = Buffer.from(data);
      return EMPTY;
    }
    this.header = EMPTY;
    const length = contentLength(data.subarray(0, end).toString('latin1'));
    if (typeof length === 'string') {
      this.fail(PARSE_ERROR, `malformed header: ${length}`);
      return EMPTY;
    }
    if (length > this.limits.maxMessageBytes) {
      this.fail(INVALID_REQUEST, `a message of ${length} bytes is larger than this daemon's limit of ${this.limits.maxMessageBytes} bytes`);
      return EMPTY;
    }
    const reserved = this.budget.reserve(length);
    if (reserved === undefined) {
      this.fail(INVALID_REQUEST, `the daemon is receiving ${this.budget.inUse} bytes of other messages; a message of ${length} more does not fit its ${this.budget.totalBytes}-byte buffer budget: send it again later`);
      return EMPTY;
    }
    this.reserved = reserved;
    this.expected = length;
    this.state = 'body';
    return data.subarray(end + HEADER_END.length);
  }

  private readBody(chunk: Buffer): Buffer {
    const take = Math.min(chunk.length, this.expected - this.bodyBytes);
    if (take > 0) this.body.push(chunk.subarray(0, take));
    this.bodyBytes += take;
    if (this.bodyBytes < this.expected) return EMPTY;
    const body = this.body.length === 1 ? this.body[0]! : Buffer.concat(this.body, this.expected);
    this.body = [];
    this.bodyBytes = 0;
    this.releaseBudget();
    this.state = 'header';
    this.deliver(body);
    return chunk.subarray(take);
  }

  private deliver(body: Buffer): void {
    let value: unknown;
    try {
      value = JSON.parse(this.decoder.decode(body));
    } catch (error) {
      void this.hooks.answer({ code: PARSE_ERROR, message: `parse error: the body is not UTF-8 JSON (${(error as Error).message})`, id: null });
      return;
    }
    const classified = classifyMessage(value);
    if (classified.kind === 'invalid') {
      void this.hooks.answer({ code: INVALID_REQUEST, message: `invalid request: ${classified.invalid.reason}`, id: classified.invalid.id });
      return;
    }
    if (classified.kind === 'request') {
      const key = String(classified.id);
      if (this.hooks.inFlight.has(key)) {
        void this.hooks.answer({
          code: INVALID_REQUEST,
          message: `invalid request: id ${JSON.stringify(classified.id)} belongs to a request on this connection that is not answered yet`,
          id: classified.id,
        });
        return;
      }
      this.hooks.inFlight.add(key);
    }
    this.callback?.(classified.message);
  }

  /** Answers the fault, frees everything and asks for the transport to be closed. */
  private fail(code: FrameFault['code'], message: string): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.freeBuffers();
    void this.hooks.answer({ code, message, id: null }).finally(() => this.hooks.onFatal(message));
  }

  private armStallTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    const midMessage = this.state === 'body' || (this.state === 'header' && this.header.length > 0);
    if (!midMessage) return;
    // Checked after the poll phase (setImmediate): data that waited behind a long synchronous task is read
    // before the stall is judged.
    this.stallTimer = setTimeout(() => setImmediate(() => this.checkStall()), this.limits.stallMs);
    this.stallTimer.unref();
  }

  private checkStall(): void {
    if (this.state === 'failed' || Date.now() - this.lastDataAt < this.limits.stallMs) return;
    const where = this.state === 'body' ? `${this.bodyBytes} of the ${this.expected} body bytes its Content-Length announced` : 'part of a header block';
    this.fail(PARSE_ERROR, `a message stalled: ${where} arrived, then nothing for ${this.limits.stallMs / 1000} s (a Content-Length larger than the body?)`);
  }

  private releaseBudget(): void {
    this.budget.release(this.reserved);
    this.reserved = 0;
  }

  private freeBuffers(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.header = EMPTY;
    this.body = [];
    this.bodyBytes = 0;
    this.releaseBudget();
  }

  private finish(): void {
    this.freeBuffers();
    this.state = 'failed';
    if (this.closed) return;
    this.closed = true;
    this.fireClose();
  }
}
