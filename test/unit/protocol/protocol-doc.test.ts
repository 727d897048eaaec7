import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { requestHandlers } from '../../../src/daemon/handlers/index.js';
import { allMethods, clientRequests, ErrorCodes } from '../../../src/protocol/index.js';

const doc = await readFile(new URL('../../../protocol.md', import.meta.url), 'utf8');

/** Methods protocol.md documents: the backticked name of each `### ` heading in its reference part. */
function documentedMethods(): string[] {
  const reference = doc.slice(0, doc.indexOf('## Examples'));
  const headings = [...reference.matchAll(/^###\s+(.+)$/gm)].flatMap((match) => [...match[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
  const notifications = [...reference.matchAll(/^- `([^`]+)`/gm)].map((match) => match[1]!);
  return [...new Set([...headings, ...notifications])].sort();
}

describe('protocol.md', () => {
  it('the daemon registers exactly the requests the protocol module defines', () => {
    expect(Object.keys(requestHandlers).sort()).toEqual(clientRequests.map((request) => request.method).sort());
  });

  it('documents every method and notification of src/protocol, and nothing else', () => {
    expect(documentedMethods()).toEqual([...allMethods].sort());
  });

  it('has a recorded example exchange for every request', () => {
    const examples = doc.slice(doc.indexOf('<!-- examples:start -->'));
    for (const request of clientRequests) expect(examples, request.method).toContain(`"method":"${request.method}"`);
    for (const notification of ['initialized', 'exit', '$/cancelRequest', '$/progress', 'window/logMessage']) {
      expect(examples, notification).toContain(`"method":"${notification}"`);
    }
  });

  it('lists every error code', () => {
    for (const [name, code] of Object.entries(ErrorCodes)) expect(doc, name).toMatch(new RegExp(`\\| ${code} \\| ${name} \\|`));
  });
});
