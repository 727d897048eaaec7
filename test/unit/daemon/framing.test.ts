import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Message } from 'vscode-jsonrpc';
import { BoundedMessageReader, MessageBudget, type FrameFault } from '../../../src/daemon/transport/framing.js';
import { classifyMessage } from '../../../src/daemon/transport/messages.js';

const LIMITS = { maxMessageBytes: 1024 * 1024, maxHeaderBytes: 256, stallMs: 200 };

function reader(budget = new MessageBudget(2 * LIMITS.maxMessageBytes)) {
  const input = new PassThrough();
  const messages: Message[] = [];
  const faults: FrameFault[] = [];
  const fatal: string[] = [];
  const inFlight = new Set<string>();
  const bounded = new BoundedMessageReader(input, LIMITS, budget, {
    inFlight,
    answer: async (fault) => void faults.push(fault),
    onFatal: (reason) => void fatal.push(reason),
  });
  bounded.listen((message) => messages.push(message));
  return { input, messages, faults, fatal, inFlight, bounded, budget };
}

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('BoundedMessageReader', () => {
  it('reads frames split anywhere, several per chunk, and multi-byte UTF-8 split across chunks', async () => {
    const { input, messages } = reader();
    const bodies = [
      '{"jsonrpc":"2.0","id":1,"method":"a","params":{"text":"héllo ✓"}}',
      '{"jsonrpc":"2.0","method":"b"}',
      '{"jsonrpc":"2.0","id":"x","result":null}',
    ];
    const bytes = Buffer.from(bodies.map(frame).join(''));
    for (let at = 0; at < bytes.length; at += 7) input.write(bytes.subarray(at, at + 7));
    await settle();
    expect(messages).toEqual(bodies.map((body) => JSON.parse(body)));
  });

  it('accepts Content-Type with the utf-8 charset and header names in any case', async () => {
    const { input, messages, faults } = reader();
    const body = '{"jsonrpc":"2.0","method":"b"}';
    input.write(`content-length: ${body.length}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${body}`);
    await settle();
    expect(faults).toEqual([]);
    expect(messages).toHaveLength(1);
  });

  it('keeps the id of an unanswered request, refusing a second one until the writer forgets it', async () => {
    const { input, messages, faults, inFlight } = reader();
    input.write(frame('{"jsonrpc":"2.0","id":1,"method":"a"}') + frame('{"jsonrpc":"2.0","id":"1","method":"a"}'));
    await settle();
    expect(messages).toHaveLength(1);
    expect(faults).toMatchObject([{ code: -32600, id: '1' }]);
    inFlight.delete('1');
    input.write(frame('{"jsonrpc":"2.0","id":1,"method":"a"}'));
    await settle();
    expect(messages).toHaveLength(2);
  });

  it('reserves the budget for a large body only while it is being received', async () => {
    const { input, budget, messages } = reader();
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'big', params: { text: 'x'.repeat(100_000) } });
    input.write(`Content-Length: ${body.length}\r\n\r\n${body.slice(0, 50_000)}`);
    await settle();
    expect(budget.inUse).toBe(body.length);
    input.write(body.slice(50_000));
    await settle();
    expect(budget.inUse).toBe(0);
    expect(messages).toHaveLength(1);
  });

  it('frees the budget and closes when the stream ends mid-message', async () => {
    const { input, budget, bounded } = reader();
    let closed = false;
    bounded.onClose(() => (closed = true));
    input.write(`Content-Length: 200000\r\n\r\n${'x'.repeat(1000)}`);
    await settle();
    expect(budget.inUse).toBe(200_000);
    input.end();
    await settle();
    expect(budget.inUse).toBe(0);
    expect(bounded.bufferedBytes).toBe(0);
    expect(closed).toBe(true);
  });

  it('declares a message that stalls lost, with what arrived', async () => {
    const { input, faults, fatal } = reader();
    input.write('Content-Length: 100\r\n\r\n{"jsonrpc"');
    // Declared after stallMs (200); a loaded machine fires the timer late (a fixed 400 ms wait once saw nothing).
    for (const started = performance.now(); faults.length === 0 && performance.now() - started < 10_000;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(faults).toMatchObject([{ code: -32700, id: null }]);
    expect(fatal[0]).toMatch(/stalled: 10 of the 100 body bytes/);
  });

  it('declares a header block longer than the limit lost', async () => {
    const { input, fatal } = reader();
    input.write(`X-Padding: ${'y'.repeat(300)}\r\n`);
    await settle();
    expect(fatal[0]).toMatch(/no end of a header block within 256 bytes/);
  });
});

describe('classifyMessage', () => {
  it.each([
    [{ jsonrpc: '2.0', id: 1, method: 'm' }, 'request'],
    [{ jsonrpc: '2.0', id: 'a', method: 'm', params: [] }, 'request'],
    [{ jsonrpc: '2.0', method: 'm', params: null }, 'notification'],
    [{ jsonrpc: '2.0', id: 1, result: null }, 'response'],
    [{ jsonrpc: '2.0', id: null, error: { code: 1, message: 'x' } }, 'response'],
    [{ jsonrpc: '2.0', id: 1, method: 'm', params: 3 }, 'invalid'],
    [{ jsonrpc: '2.0', id: true, method: 'm' }, 'invalid'],
    [{ jsonrpc: '1.0', id: 1, method: 'm' }, 'invalid'],
  ])('%j is a %s', (value, kind) => {
    expect(classifyMessage(value).kind).toBe(kind);
  });
});
