import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evidenceContext, proofCacheKey, proofEvidence } from '../../../src/verify/cache-key.js';
import { ModuleContext } from '../../../src/verify/context.js';
import { readIr } from '../../../src/verify/index.js';
import { FEATURES, wat } from './pair.js';

/** Both modules of a pair file in test/fixtures/pairs, as contexts. */
function pair(file: string): [ModuleContext, ModuleContext] {
  const text = readFileSync(new URL(`../../fixtures/pairs/${file}`, import.meta.url), 'utf8');
  const [base, candidate] = text.split(/^;; candidate$/m) as [string, string];
  return [new ModuleContext(readIr(wat(base), FEATURES)), new ModuleContext(readIr(wat(candidate), FEATURES))];
}

const keyOf = ([a, b]: [ModuleContext, ModuleContext]) => proofCacheKey(a.functions.get('f')!, b.functions.get('f')!, a, b, 'z3');

describe('proof cache key', () => {
  it('says whether an opaque callee keeps the memory size, which depends on what it calls in turn', () => {
    const keeps = pair('call-keeps-memory-size.wat');
    const grows = pair('call-grows-memory.wat');
    // $g runs inline; $fill (a loop) is the opaque call whose effect on the size the encoding uses.
    expect([keeps[0].policy('g'), keeps[0].policy('fill')]).toEqual(['inline', 'opaque']);
    expect(keeps[0].keepsMemorySize('fill')).toBe(true);
    expect(grows[0].keepsMemorySize('fill')).toBe(false);
    // $f and $g read the same in both files; only $fill differs.
    expect(keyOf(keeps)).not.toBe(keyOf(grows));
  });

  it('names in the evidence the callees the key says keep the memory size, so the key comes out again', () => {
    const [a, b] = pair('call-keeps-memory-size.wat');
    const evidence = proofEvidence(a.functions.get('f')!, b.functions.get('f')!, a, b, FEATURES);
    const again = [evidenceContext(evidence.base), evidenceContext(evidence.candidate)] as [ModuleContext, ModuleContext];
    expect(again[0].keepsMemorySize('fill')).toBe(true);
    expect(keyOf(again)).toBe(keyOf([a, b]));
  });
});
