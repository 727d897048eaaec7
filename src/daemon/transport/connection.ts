import type { Readable } from 'node:stream';
import { createMessageConnection, Message, type MessageConnection, type MessageWriter } from 'vscode-jsonrpc';
import { BoundedMessageReader, type FramingLimits, type MessageBudget } from './framing.js';

export const DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
export const DEFAULT_STALL_MS = 10_000;

/** The message limit that lets an input of `maxInputBytes` travel as base64, with room for the rest of the request. */
export function messageLimitFor(maxInputBytes: number): number {
  return Math.ceil((maxInputBytes * 4) / 3) + 1024 * 1024;
}

/**
 * The writer side: forgets a request id once its response goes out, so that the reader can answer a second
 * request with an id still in flight (-32600) instead of letting vscode-jsonrpc replace the first.
 */
class AnsweringWriter implements MessageWriter {
  constructor(
    private readonly inner: MessageWriter,
    private readonly inFlight: Set<string>,
  ) {}

  get onError() {
    return this.inner.onError;
  }

  get onClose() {
    return this.inner.onClose;
  }

  write(message: Message): Promise<void> {
    if (Message.isResponse(message) && message.id !== null) this.inFlight.delete(String(message.id));
    return this.inner.write(message);
  }

  end(): void {
    this.inner.end();
  }

  dispose(): void {
    this.inner.dispose();
  }
}

export interface GuardedConnectionOptions {
  limits: FramingLimits;
  budget: MessageBudget;
  /** The framing is lost or a limit was hit (the client got an error with id null): close the transport. */
  onFatal(reason: string): void;
}

/** A JSON-RPC connection over `input` and `writer` whose reading is bounded and whose faults are answered (framing.ts). */
export function guardedConnection(input: Readable, writer: MessageWriter, options: GuardedConnectionOptions): MessageConnection {
  const inFlight = new Set<string>();
  const reader = new BoundedMessageReader(input, options.limits, options.budget, {
    inFlight,
    // Straight to the inner writer: an answer to a duplicate id must not release the id of the request in flight.
    answer: (fault) => writer.write({ jsonrpc: '2.0', id: fault.id, error: { code: fault.code, message: fault.message } } as Message).catch(() => undefined),
    onFatal: options.onFatal,
  });
  return createMessageConnection(reader, new AnsweringWriter(writer, inFlight));
}
