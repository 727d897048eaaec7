import type { LineageStep } from './genome.js';
import type { EvaluationProof, Score } from '../workers/binaryen-tasks.js';
import type { ProofSegment } from '../verify/certificate.js';

/** A module some island produced, with how it was produced. */
export interface Resident {
  /** How it was made: a pipeline genome applied to the input, then refinements and assemblies, in order. */
  lineage: LineageStep[];
  named: Uint8Array;
  stripped: Uint8Array;
  score: Score;
  /** Where and when it was first produced. */
  island: number;
  generation: number;
  /** With checks (strict mode): how it was proved from the input, one segment per step of the lineage. */
  proof?: ResidentProof;
}

export interface ResidentProof {
  segments: ProofSegment[];
  /** Each lineage genome's evaluation: its step totals, unproved steps and proved steps. */
  evaluations: Array<Omit<EvaluationProof, 'segment'>>;
}

/** A module's proof continues the proof of the module it was made from: the chain runs from the input through both. */
export function extendProof(parent: ResidentProof | undefined, proof: EvaluationProof): ResidentProof {
  const { segment, ...evaluation } = proof;
  return { segments: [...(parent?.segments ?? []), segment], evaluations: [...(parent?.evaluations ?? []), evaluation] };
}

/** What ranking looks at. */
type Ranked = Pick<Resident, 'score' | 'island' | 'generation'>;

/** Lower objective value wins; ties go to the smaller module, then to the earlier island and generation. */
export function better(a: Ranked, b: Ranked): boolean {
  if (a.score.value !== b.score.value) return a.score.value < b.score.value;
  if (a.score.size !== b.score.size) return a.score.size < b.score.size;
  if (a.island !== b.island) return a.island < b.island;
  return a.generation < b.generation;
}

export function best(residents: readonly Resident[]): Resident | undefined {
  return residents.reduce<Resident | undefined>((top, r) => (top === undefined || better(r, top) ? r : top), undefined);
}

export function worst(residents: readonly Resident[]): Resident | undefined {
  return residents.reduce<Resident | undefined>((low, r) => (low === undefined || better(low, r) ? r : low), undefined);
}

export function sameModule(a: Pick<Resident, 'stripped'>, b: Pick<Resident, 'stripped'>): boolean {
  if (a.stripped.length !== b.stripped.length) return false;
  for (let i = 0; i < a.stripped.length; i++) if (a.stripped[i] !== b.stripped[i]) return false;
  return true;
}

/**
 * pagmo's fair-replace: a newcomer enters only if it beats the worst resident, which it then replaces; while
 * the population is below capacity it simply joins. A module already present is not admitted twice.
 * Returns whether the newcomer was admitted.
 */
export function fairReplace(residents: Resident[], newcomer: Resident, capacity: number): boolean {
  if (!wouldEnter(residents, newcomer, capacity)) return false;
  if (residents.length < capacity) residents.push(newcomer);
  else residents[residents.indexOf(worst(residents)!)] = newcomer;
  return true;
}

/** Whether fair-replace would admit the newcomer (a checked search asks before it spends proofs on one). */
export function wouldEnter(residents: readonly Resident[], newcomer: Pick<Resident, 'stripped' | 'score' | 'island' | 'generation'>, capacity: number): boolean {
  if (residents.some((r) => sameModule(r, newcomer))) return false;
  return residents.length < capacity || better(newcomer, worst(residents)!);
}
