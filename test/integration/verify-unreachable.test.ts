import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Verifier, readIr } from '../../src/verify/index.js';
import { binaryen, readModule } from '../../src/wasm/binaryen.js';
import { forEachNode, signatureOf } from '../../src/wasm/ir.js';
import { nameEveryFunctionAndGlobal } from '../../src/wasm/names.js';

/**
 * A real wasm-bindgen module (brotli-wasm): its table holds an entry no `call_indirect` of its type can
 * reach, which binaryen -Oz turns into `unreachable`. `atoll verify IN IN.oz` accused wasm-opt of a
 * miscompile there (refuted, exit 3); the change is invisible and must be proved (unreachable).
 */
const FEATURES = binaryen.Features.MutableGlobals | binaryen.Features.SignExt;

let verifier: Verifier;
beforeAll(async () => {
  verifier = new Verifier({ threads: 1 });
  await verifier.warmUp();
});
afterAll(() => verifier.close());

describe('atoll verify on a wasm-bindgen module', () => {
  it('proves the table entries binaryen emptied unreachable, and accepts the module', { timeout: 120_000 }, async () => {
    const input = nameEveryFunctionAndGlobal(new Uint8Array(readFileSync('node_modules/brotli-wasm/pkg.node/brotli_wasm_bg.wasm')));
    const ir = readIr(input, FEATURES);
    // Found here by a plain scan, independently of callable.ts: entries whose signature no call_indirect names.
    const indirect = new Set<string>();
    for (const fn of ir.functions) forEachNode(fn.body, (n) => { if (n.kind === 'call_indirect') indirect.add(signatureOf(n)); });
    const byName = new Map(ir.functions.map((f) => [f.name, f]));
    const unreached = ir.elements.flatMap((e) => e.functions).filter((name) => !indirect.has(signatureOf(byName.get(name)!)));
    expect(unreached.length).toBeGreaterThan(0);

    // What -Oz does to them (remove-unused-module-elements), and nothing else.
    const module = readModule(input, FEATURES);
    for (const name of unreached) (binaryen as unknown as { Function: { setBody(f: number, b: number): void } }).Function.setBody(module.getFunction(name), module.unreachable());
    binaryen.setDebugInfo(true);
    const candidate = module.emitBinary();
    module.dispose();

    const report = await verifier.verifyModules(input, candidate, { featureFlags: FEATURES, only: unreached });
    for (const name of unreached) {
      expect(report.functions.find((f) => f.name === name)?.verdict, name).toEqual({ status: 'proved', method: 'unreachable' });
    }
    expect(report.totals.refuted).toBe(0);
    expect(report.module.accepted, report.module.findings.join('\n')).toBe(true);
  });
});
