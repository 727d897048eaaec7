import type { Message } from 'vscode-jsonrpc';

export type RequestId = string | number;

/** A body that is JSON but no message the daemon can act on: answered -32600, with the id when it has one. */
export interface InvalidMessage {
  id: RequestId | null;
  reason: string;
}

export type Classified =
  | { kind: 'request'; id: RequestId; message: Message }
  | { kind: 'notification' | 'response'; message: Message }
  | { kind: 'invalid'; invalid: InvalidMessage };

function isId(value: unknown): value is RequestId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

const invalid = (id: RequestId | null, reason: string): Classified => ({ kind: 'invalid', invalid: { id, reason } });

/**
 * Sorts one parsed JSON body by JSON-RPC 2.0's rules (§4, §5), stricter than vscode-jsonrpc, which drops
 * what it cannot sort without a word: a client that sent `[]`, `null`, `"method": 5` or `"id": null` would
 * wait forever. Batches are not supported (LSP has none): they are answered -32600 too.
 */
export function classifyMessage(value: unknown): Classified {
  if (Array.isArray(value)) {
    return invalid(null, value.length === 0 ? 'an empty batch (JSON array)' : 'batches (JSON arrays) are not supported: send one message per frame');
  }
  if (typeof value !== 'object' || value === null) return invalid(null, `a message must be a JSON object, got ${value === null ? 'null' : typeof value}`);
  const fields = value as Record<string, unknown>;
  const id = isId(fields['id']) ? fields['id'] : null;
  if (fields['jsonrpc'] !== '2.0') return invalid(id, '"jsonrpc" must be "2.0"');
  if ('method' in fields) {
    if (typeof fields['method'] !== 'string') return invalid(id, '"method" must be a string');
    const params = fields['params'];
    // null is taken as "no params": some clients (Neovim's vim.NIL) send it for requests without any.
    if (params !== undefined && typeof params !== 'object') return invalid(id, '"params" must be an object or an array');
    if (!('id' in fields)) return { kind: 'notification', message: value as Message };
    if (id === null) return invalid(null, 'a request id must be a string or a number (a null id cannot be answered)');
    return { kind: 'request', id, message: value as Message };
  }
  const hasOutcome = 'result' in fields || (typeof fields['error'] === 'object' && fields['error'] !== null);
  if (hasOutcome && (id !== null || fields['id'] === null)) return { kind: 'response', message: value as Message };
  return invalid(id, 'a message needs a "method" (request or notification), or an "id" with a "result" or an "error" (response)');
}
