import type { CancellationToken, MessageConnection } from 'vscode-jsonrpc';
import { ErrorCodes } from '../protocol/errors.js';
import { ExitNotification, InitializedNotification, type ClientCapabilities } from '../protocol/lifecycle.js';
import { LogMessageNotification, type MessageType } from '../protocol/progress.js';
import type { Daemon } from './daemon.js';
import { requestHandlers, type RequestHandler } from './handlers/index.js';
import { atollResponseError, toResponseError } from './response-error.js';

export type SessionState = 'new' | 'initialized' | 'shutdown';

/**
 * One client connection: LSP lifecycle (initialize → initialized → … → shutdown → exit) and the dispatch of
 * its requests. Every handler runs inside a catch-all, so no request can take the daemon down.
 */
export class Session {
  state: SessionState = 'new';
  /** What the client said it can do in `initialize`. */
  clientCapabilities: ClientCapabilities = {};
  private closed = false;

  constructor(
    readonly daemon: Daemon,
    readonly connection: MessageConnection,
    readonly label: string,
    readonly transport: 'stdio' | 'socket',
    private readonly closeTransport: (exitCode: number) => void,
  ) {
    for (const [method, handler] of Object.entries(requestHandlers)) {
      connection.onRequest(method, (...args: unknown[]) => this.dispatch(method, handler, args));
    }
    connection.onNotification(InitializedNotification.type, () => undefined);
    // LSP: exit after shutdown is a clean end (0), exit without it is not (1).
    connection.onNotification(ExitNotification.type, () => this.close(this.state === 'shutdown' ? 0 : 1));
  }

  private async dispatch(method: string, handler: RequestHandler<unknown>, args: unknown[]): Promise<unknown> {
    // vscode-jsonrpc calls a string-registered handler with (params, token), or (token) when there are none.
    const token = args[args.length - 1] as CancellationToken;
    const params = args.length === 2 ? args[0] : args.length > 2 ? args.slice(0, -1) : undefined;
    if (method === 'initialize' && this.state !== 'new') {
      throw atollResponseError(ErrorCodes.InvalidRequest, 'initialize was already sent on this connection');
    }
    if (method !== 'initialize' && this.state !== 'initialized') {
      throw atollResponseError(
        ErrorCodes.ServerNotInitialized,
        this.state === 'new' ? `send initialize before ${method}` : `${method} after shutdown: this session has ended`,
      );
    }
    if (this.daemon.isStopping) throw atollResponseError(ErrorCodes.ServerNotInitialized, 'the daemon is stopping');
    try {
      return await handler.handle({ daemon: this.daemon, session: this, token }, handler.validate(params));
    } catch (error) {
      throw toResponseError(error, (line) => this.log(`${method}: ${line}`));
    }
  }

  log(line: string): void {
    this.daemon.config.log(`[${this.label}] ${line}`);
  }

  logToClient(type: MessageType, message: string): void {
    if (this.closed) return;
    this.connection.sendNotification(LogMessageNotification.type, { type, message }).catch(() => undefined);
  }

  close(exitCode: number): void {
    if (this.closed) return;
    this.closed = true;
    this.daemon.queue.cancelClient(this.label);
    this.connection.dispose();
    this.closeTransport(exitCode);
  }
}

export interface RequestContext {
  daemon: Daemon;
  session: Session;
  token: CancellationToken;
}
