import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../../src/protocol/report.js';
import { serveWorkerServices } from '../../../src/workers/services.js';

/** A real worker thread that asks the services behind its port, as a pipeline task does between passes. */
const script = (servicesUrl: string) => `
  const { parentPort, workerData } = require('node:worker_threads');
  import(${JSON.stringify(servicesUrl)}).then(async ({ workerServicesOver }) => {
    const services = workerServicesOver(workerData.port);
    const out = {};
    out.answer = await services.solve({ smt: '(check-sat)', timeoutMs: 10 });
    services.proofRelease('given-up');
    out.missing = await services.proofGet('nothing');
    await services.proofSet('k', { status: 'proved', method: 'smt' });
    out.found = await services.proofGet('k');
    try { await services.solve({ smt: 'boom', timeoutMs: 10 }); } catch (error) { out.error = error.message; }
    services.close();
    parentPort.postMessage(out);
  });
`;

describe('worker service port', () => {
  it('carries solver queries and verdict lookups from a worker thread and back, errors included', async () => {
    const store = new Map<string, Verdict>();
    const asked: string[] = [];
    const released: string[] = [];
    let settled = 0;
    const served = serveWorkerServices({
      solve: async (query) => {
        asked.push(query.smt);
        if (query.smt === 'boom') throw new Error('the solver pool is closed');
        return { status: 'unsat' };
      },
      proofGet: async (key) => store.get(key),
      proofSet: async (key, verdict) => void store.set(key, verdict),
      proofRelease: (key) => void released.push(key),
      settled: () => void settled++,
    });
    const url = pathToFileURL(resolve('dist/src/workers/services.js')).href;
    const worker = new Worker(script(url), { eval: true, workerData: { port: served.port }, transferList: [served.port] });
    const out = await new Promise<Record<string, unknown>>((done, fail) => {
      worker.once('message', done);
      worker.once('error', fail);
    });
    expect(settled).toBe(0);
    served.close();
    await worker.terminate();
    // A released claim arrives before the call that follows it; closing the port settles the task's claims.
    expect(released).toEqual(['given-up']);
    expect(settled).toBe(1);
    expect(out['answer']).toEqual({ status: 'unsat' });
    expect(out['missing']).toBeUndefined();
    expect(out['found']).toEqual({ status: 'proved', method: 'smt' });
    expect(out['error']).toBe('the solver pool is closed');
    expect(asked).toEqual(['(check-sat)', 'boom']);
    expect(store.get('k')).toEqual({ status: 'proved', method: 'smt' });
  });
});
