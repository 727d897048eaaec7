import type { FunctionVerdict, Verdict, VerifyReport } from '../protocol/report.js';
import { better, type Resident } from '../islands/population.js';
import type { BinaryenPool } from '../islands/pool.js';
import type { Score } from '../islands/tasks.js';
import type { Objective } from '../protocol/report.js';
import type { Verifier } from '../verify/index.js';
import { sha256 } from '../wasm/ingest.js';

/** The module strict mode stands behind: proved equivalent to the input through every accepted step. */
export interface Accepted {
  named: Uint8Array;
  stripped: Uint8Array;
  score: Score;
  /** Where its newest change came from; island -1 is the input itself. */
  island: number;
  generation: number;
  how: 'input' | 'whole' | 'mosaic';
}

/** How many times a mosaic is rebuilt without the bodies its own verification did not prove. */
const MOSAIC_ROUNDS = 3;

/** One verification attempt: a candidate that would have become champion. */
export interface Step {
  generation: number;
  island: number;
  candidateSize: number;
  outcome: 'whole' | 'mosaic' | 'rejected';
  /** Functions the mosaic took from the candidate, when it was used. */
  taken: number;
  report: VerifyReport;
  ms: number;
}

/**
 * Stepwise translation validation (design §1.3–1.4): each candidate that beats the accepted module is
 * verified against the accepted module, not against the input, so each query stays small and proofs
 * compose (accepted ≡ input, candidate ≡ accepted ⇒ candidate ≡ input). Only candidates that would become
 * champion are verified. A candidate with unproved changes is not lost whole: the mosaic keeps its proved
 * functions, and the mosaic itself is verified again before it is accepted.
 */
export class ProvedChain {
  accepted: Accepted;
  readonly steps: Step[] = [];
  /** Functions whose body in the accepted module differs from the input, with the proof of their newest change. */
  readonly provenance = new Map<string, FunctionVerdict>();
  /** Changes the search made that are not in the accepted module, with the verdict that kept each out. */
  readonly rejected = new Map<string, FunctionVerdict>();
  /** Candidates already decided: the champion often stays the same across generations. */
  private readonly seen = new Set<string>();
  /** Every verdict of this job, so a pair that timed out is not re-sent at each generation. */
  private readonly session = new Map<string, Verdict>();

  constructor(
    input: { named: Uint8Array; stripped: Uint8Array; score: Score },
    private readonly verifier: Verifier,
    private readonly pool: BinaryenPool,
    private readonly flags: number,
    private readonly objective: Objective,
  ) {
    this.accepted = { ...input, island: -1, generation: -1, how: 'input' };
  }

  async consider(candidate: Resident, signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<void> {
    if (!better(candidate, { ...this.accepted, lineage: [] })) return;
    const id = sha256(candidate.named);
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const started = performance.now();
    const whole = await this.verify(candidate.named, signal, onProgress);
    const record = (outcome: Step['outcome'], report: VerifyReport, taken = 0) =>
      this.steps.push({
        generation: candidate.generation,
        island: candidate.island,
        candidateSize: candidate.score.size,
        outcome,
        taken,
        report,
        ms: Math.round(performance.now() - started),
      });
    const variant = { island: candidate.island, generation: candidate.generation };
    for (const f of changedFunctions(whole)) {
      if (f.verdict.status !== 'proved') this.rejected.set(f.name, { ...f, variant });
    }
    if (fullyProved(whole)) {
      this.accepted = { ...candidate, how: 'whole' };
      this.credit(whole, variant);
      record('whole', whole);
      return;
    }
    const provedInCandidate = changedFunctions(whole).filter((f) => f.verdict.status === 'proved');
    let proved = provedInCandidate.map((f) => f.name);
    // A moved body is re-proved in the mosaic's own context; what fails there is dropped and the mosaic rebuilt.
    for (let round = 0; round < MOSAIC_ROUNDS && proved.length > 0; round++) {
      const mosaic = await this.pool.mosaic(
        { base: this.accepted.named, donor: candidate.named, flags: this.flags, proved, objective: this.objective },
        signal,
      );
      if (!mosaic.ok || mosaic.taken.length === 0) break;
      const check = await this.verify(mosaic.named, signal, onProgress);
      if (fullyProved(check)) {
        if (!better({ ...mosaic, lineage: [], ...variant }, { ...this.accepted, lineage: [] })) break;
        this.accepted = { named: mosaic.named, stripped: mosaic.stripped, score: mosaic.score, ...variant, how: 'mosaic' };
        this.credit(check, variant);
        for (const proof of provedInCandidate.filter((f) => !mosaic.taken.includes(f.name))) {
          const why = mosaic.skipped.find((s) => s.name === proof.name)?.why ?? 'not provable in the mosaic: it relies on changes that were not';
          this.rejected.set(proof.name, { ...proof, variant, verdict: { status: 'unknown', reason: 'context', detail: why } });
        }
        record('mosaic', check, mosaic.taken.length);
        return;
      }
      if (!check.module.accepted) break;
      const stillProved = new Set(changedFunctions(check).filter((f) => f.verdict.status === 'proved').map((f) => f.name));
      proved = mosaic.taken.filter((name) => stillProved.has(name));
    }
    record('rejected', whole);
  }

  /** The accepted step's proved changes now stand in the output. */
  private credit(report: VerifyReport, variant: { island: number; generation: number }): void {
    for (const f of changedFunctions(report)) {
      this.provenance.set(f.name, { ...f, variant });
      this.rejected.delete(f.name);
    }
  }

  private verify(candidate: Uint8Array, signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<VerifyReport> {
    return this.verifier.verifyModules(this.accepted.named, candidate, {
      featureFlags: this.flags,
      sameLineage: true,
      session: this.session,
      ...(signal ? { signal } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  }

}

/** Verdicts of functions whose bodies differ between the two sides. */
export function changedFunctions(report: VerifyReport): FunctionVerdict[] {
  return report.functions.filter((f) => !(f.verdict.status === 'proved' && f.verdict.method === 'identical'));
}

/**
 * Every changed function proved and the module-level check passed (which decides whether functions that
 * exist on one side only are harmless).
 */
export function fullyProved(report: VerifyReport): boolean {
  return report.totals.refuted === 0 && report.totals.unknown === 0 && report.module.accepted;
}
