import type { ProofEvidence } from '../../src/verify/cache-key.js';
import { forEachNode, type IrConst } from '../../src/wasm/ir.js';

/** The evidence with the first integer constant of the candidate function changed, or undefined if it has none. */
export function withConstantChanged(evidence: ProofEvidence): ProofEvidence | undefined {
  const copy = structuredClone(evidence);
  const fn = copy.candidate.module.functions.find((f) => f.name === copy.candidate.name)!;
  let constant: IrConst | undefined;
  forEachNode(fn.body, (node) => {
    if (!constant && node.kind === 'const' && (node.type === 'i32' || node.type === 'i64')) constant = node;
  });
  if (!constant) return undefined;
  constant.value = String(BigInt(constant.value) + 1n);
  return copy;
}
