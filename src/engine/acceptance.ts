import type { FunctionVerdict, Verdict, VerifyReport } from '../protocol/report.js';
import { better, type Resident } from '../islands/population.js';
import type { BinaryenPool } from '../workers/binaryen-pool.js';
import type { MosaicResult, Score } from '../workers/binaryen-tasks.js';
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
    // Two mosaics: every proved body (inlined callers may let their callees go), and only the bodies that
    // got smaller. Each is re-proved in place; the smaller proved one wins.
    let winner: { mosaic: Extract<MosaicResult, { ok: true }>; check: VerifyReport } | undefined;
    for (const onlySmaller of [false, true]) {
      const built = await this.provedMosaic(candidate, provedInCandidate.map((f) => f.name), onlySmaller, signal, onProgress);
      if (built && (!winner || better({ ...built.mosaic, lineage: [], ...variant }, { ...winner.mosaic, lineage: [], ...variant }))) winner = built;
    }
    if (!winner || !better({ ...winner.mosaic, lineage: [], ...variant }, { ...this.accepted, lineage: [] })) {
      // Proved functions whose change still did not make it: say why, so every change has one bucket.
      const moduleRefusal = whole.module.findings.find((f) => f.startsWith('not accepted'));
      const why = winner
        ? 'a mosaic of the proved functions was proved but is not smaller than the accepted module'
        : (moduleRefusal ?? 'no mosaic of the proved functions could be proved in place');
      for (const proof of provedInCandidate) {
        if (!this.provenance.has(proof.name)) this.rejected.set(proof.name, { ...proof, variant, verdict: { status: 'unknown', reason: 'context', detail: why } });
      }
      record('rejected', whole);
      return;
    }
    const { mosaic, check } = winner;
    this.accepted = { named: mosaic.named, stripped: mosaic.stripped, score: mosaic.score, ...variant, how: 'mosaic' };
    this.credit(check, variant);
    for (const proof of provedInCandidate.filter((f) => !mosaic.taken.includes(f.name))) {
      const why = mosaic.skipped.find((s) => s.name === proof.name)?.why ?? 'left out of the smallest proved mosaic (it grew, or relies on changes that were not proved)';
      this.rejected.set(proof.name, { ...proof, variant, verdict: { status: 'unknown', reason: 'context', detail: why } });
    }
    record('mosaic', check, mosaic.taken.length);
  }

  /**
   * The accepted module with the candidate's bodies of `proved`, verified in place; bodies its own
   * verification does not prove are dropped and the mosaic rebuilt, up to MOSAIC_ROUNDS times.
   */
  private async provedMosaic(
    candidate: Resident,
    proved: string[],
    onlySmaller: boolean,
    signal?: AbortSignal,
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ mosaic: Extract<MosaicResult, { ok: true }>; check: VerifyReport } | undefined> {
    for (let round = 0; round < MOSAIC_ROUNDS && proved.length > 0; round++) {
      const mosaic = await this.pool.mosaic(
        { base: this.accepted.named, donor: candidate.named, flags: this.flags, proved, onlySmaller, objective: this.objective },
        signal,
      );
      if (!mosaic.ok || mosaic.taken.length === 0) return undefined;
      const check = await this.verify(mosaic.named, signal, onProgress);
      if (fullyProved(check)) return { mosaic, check };
      if (!check.module.accepted) return undefined;
      const stillProved = new Set(changedFunctions(check).filter((f) => f.verdict.status === 'proved').map((f) => f.name));
      proved = mosaic.taken.filter((name) => stillProved.has(name));
    }
    return undefined;
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
