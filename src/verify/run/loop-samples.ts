import type { IrType } from '../../wasm/ir.js';
import type { Conjunct, Coupling } from '../induction.js';

/**
 * What concrete runs saw at loop headers, for the induction to draw candidate invariants from (design §2:
 * "candidate relations may be guessed from concrete runs and then proved"). A sample is one entry state run
 * on both sides of a pair; in it, per loop of each function (numbered in pre-order, as `loopSites` numbers
 * them), each visit of the header in order, and at each visit the raw bits of every local (parameters, then
 * vars; a local of another type is left out). Runs are bounded, so a loop's visits may be cut short.
 */
export interface LoopSample {
  base: bigint[][][];
  candidate: bigint[][][];
}

/**
 * The equalities that held at every visit the samples saw, with the n-th visit of a base header paired with
 * the n-th visit of the matching candidate header: a base local equal to a candidate local of the same type,
 * or a local equal to one constant throughout. Loops no sample reached are absent. A guess, never a proof:
 * what it returns must still be shown inductive.
 */
export function observedCoupling(samples: readonly LoopSample[], baseLocals: readonly IrType[], candidateLocals: readonly IrType[]): Coupling {
  const coupling: Coupling = new Map();
  const loops = Math.max(0, ...samples.map((s) => Math.min(s.base.length, s.candidate.length)));
  for (let loop = 0; loop < loops; loop++) {
    const visits = samples.flatMap((s) => {
      const a = s.base[loop] ?? [];
      const b = s.candidate[loop] ?? [];
      return a.slice(0, b.length).map((va, n) => [va, b[n]!] as const);
    });
    if (visits.length === 0) continue;
    const conjuncts: Conjunct[] = [];
    baseLocals.forEach((ta, a) => candidateLocals.forEach((tb, b) => {
      if (ta === tb && visits.every(([va, vb]) => va[a] !== undefined && va[a] === vb[b])) conjuncts.push({ kind: 'same', a, b });
    }));
    const constants = (side: 0 | 1, types: readonly IrType[]) => types.forEach((_, local) => {
      const value = visits[0]![side][local];
      if (value !== undefined && visits.every((v) => v[side][local] === value)) conjuncts.push({ kind: 'constant', side, local, value });
    });
    constants(0, baseLocals);
    constants(1, candidateLocals);
    coupling.set(loop, conjuncts);
  }
  return coupling;
}

/**
 * `coupling` (the induction's starting candidates) without the equalities between locals that some sampled
 * header visit broke. Houdini's answer is the largest inductive subset of what it starts from, and every
 * conjunct of that subset holds at every reachable header visit, so it is the same from here: only the
 * solver calls that would have dropped the broken ones are saved. A loop no sample reached keeps all of its.
 */
export function withoutObservedBreaks(coupling: Coupling, observed: Coupling): Coupling {
  const narrowed: Coupling = new Map();
  for (const [loop, conjuncts] of coupling) {
    const seen = observed.get(loop);
    if (!seen) {
      narrowed.set(loop, conjuncts);
      continue;
    }
    const held = new Set(seen.filter((c) => c.kind === 'same').map((c) => `${c.a}:${c.b}`));
    // Constants stay: a sample holds raw bits, the candidates hold the constant as the encoding read it.
    narrowed.set(loop, conjuncts.filter((c) => c.kind !== 'same' || held.has(`${c.a}:${c.b}`)));
  }
  return narrowed;
}
