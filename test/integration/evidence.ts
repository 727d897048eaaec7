import type { ProofEvidence } from '../../src/verify/cache-key.js';
import type { IrNode } from '../../src/wasm/ir.js';

/** The evidence with the first integer constant of the candidate function changed, or undefined if it has none. */
export function withConstantChanged(evidence: ProofEvidence): ProofEvidence | undefined {
  const copy = structuredClone(evidence);
  const fn = copy.candidate.module.functions.find((f) => f.name === copy.candidate.name)!;
  const stack: Array<IrNode | null> = [fn.body];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node) continue;
    if (node.kind === 'const' && (node.type === 'i32' || node.type === 'i64')) {
      node.value = String(BigInt(node.value!) + 1n);
      return copy;
    }
    stack.push(...node.kids);
  }
  return undefined;
}
