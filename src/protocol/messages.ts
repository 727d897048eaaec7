import type { RequestType, RequestType0 } from 'vscode-jsonrpc';

/**
 * What every message namespace of the protocol holds, as in vscode-languageserver-protocol: the literal
 * `method`, who sends it, and the vscode-jsonrpc `type` that carries its param and result types.
 */
export const MessageDirection = {
  clientToServer: 'clientToServer',
  serverToClient: 'serverToClient',
} as const;
export type MessageDirection = (typeof MessageDirection)[keyof typeof MessageDirection];

/** A request namespace: `{ method, messageDirection, type }`. */
export interface RequestMessage<M extends string = string> {
  readonly method: M;
  readonly messageDirection: MessageDirection;
  readonly type: RequestType<any, unknown, unknown> | RequestType0<unknown, unknown>; // any: params are contravariant; a union of all requests must fit
}

/** A notification namespace; `type` is absent where vscode-jsonrpc handles the message itself ($/cancelRequest). */
export interface NotificationMessage<M extends string = string> {
  readonly method: M;
  readonly messageDirection: MessageDirection;
}

type Signature<R> = R extends { type: { _: infer S } } ? NonNullable<S> : never;

/** The params of a request namespace (`undefined` for a request without params). */
export type ParamsOf<R> = Signature<R> extends [infer P, unknown, unknown, unknown] ? P : undefined;

/** The result of a request namespace. */
export type ResultOf<R> =
  Signature<R> extends [unknown, infer Result, unknown, unknown] ? Result : Signature<R> extends [infer Result, unknown, unknown] ? Result : never;
