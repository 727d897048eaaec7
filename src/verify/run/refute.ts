import type { Verdict } from '../../protocol/report.js';
import type { IrType } from '../../wasm/ir.js';
import type { PairSide } from '../checker.js';
import type { EncodedQuery } from '../encode/query.js';
import { entryFromModel } from '../replay.js';
import type { LoopSample } from './loop-samples.js';
import { PairRuns, literal, type RunTally } from './runs.js';

/**
 * What the pair check asks of runs: refutations found by running both functions on generated entry states,
 * and the replay of a solver's model. A refutation from either has been seen in a real run; nothing here
 * ever proves anything. The harnesses are built on first use (that reads the whole module with binaryen).
 */
export class Refuter {
  readonly tally: RunTally = { ran: 0, inconclusive: 0 };
  private runs: PairRuns | string | undefined;

  constructor(private readonly base: PairSide, private readonly candidate: PairSide, private readonly features: number) {}

  /**
   * A refutation among `count` entry states of stream `stream`, if one of them tells the functions apart;
   * none are run once performance.now() is past `deadline`.
   */
  byRunning(count: number, stream: number, deadline = Infinity): Verdict | undefined {
    if (count <= 0 || performance.now() > deadline) return undefined;
    const runs = this.pairRuns();
    if (typeof runs === 'string') return undefined;
    const found = runs.refute(count, stream, this.tally, deadline);
    return found && { status: 'refuted', counterexample: runs.counterexample(found, 'run') };
  }

  /**
   * The model's entry state run for real: a refutation when the runs differ, else unknown — `unsupported`
   * when the pair or this entry state cannot be run to its end, `approximation` when both ran alike and the
   * query used uninterpreted functions (the model may rest on one), else `encoder-fault`.
   * `observable` names what the model told apart, for the verdict's text.
   */
  replay(query: EncodedQuery, model: Record<string, string>, observable?: string): Verdict {
    const runs = this.pairRuns();
    const { inputs } = query;
    const entry = entryFromModel(inputs, model, this.base.ctx.module);
    const params = inputs.paramTypes.map((t, i) => literal(t as IrType, entry.params[i]!)).join(' ');
    const where = observable ? ` in ${observable}` : '';
    // No run of this pair is possible at all: the model is neither confirmed nor a fault of the encoder.
    if (typeof runs === 'string') return { status: 'unknown', reason: 'unsupported', detail: `the solver's counterexample${where} cannot be run (params ${params}): ${runs}` };
    const outcome = runs.run(entry, true);
    if ('compared' in outcome && outcome.compared.difference !== undefined) {
      return { status: 'refuted', counterexample: runs.counterexample({ entry, compared: { ...outcome.compared, difference: outcome.compared.difference } }, 'solver') };
    }
    // A run that could not be set up or finished (a model memory larger than runs allocate, fuel, the stack)
    // says nothing about the model either way.
    if ('why' in outcome) return { status: 'unknown', reason: 'unsupported', detail: `the solver's counterexample${where} could not be run to its end (params ${params}): ${outcome.why}` };
    const approximations = [...query.functions];
    if (approximations.length > 0) {
      return { status: 'unknown', reason: 'approximation', detail: `a model of ${approximations.slice(0, 4).join(', ')} told them apart${where}, real runs did not (params ${params})` };
    }
    return { status: 'unknown', reason: 'encoder-fault', detail: `counterexample${where} did not reproduce (params ${params}): both ran alike: ${outcome.compared.base}` };
  }

  /**
   * What both functions' locals were at their loop headers on `count` generated entry states (see
   * loop-samples.ts; `observedCoupling` turns them into candidate couplings for the induction). Empty when
   * the pair cannot be run; fewer once performance.now() is past `deadline`.
   */
  loopSamples(count = 16, deadline = Infinity): LoopSample[] {
    if (!this.hasBytes()) return [];
    const traced = PairRuns.create(this.side(this.base), this.side(this.candidate), this.features, { trace: true });
    return typeof traced === 'string' ? [] : traced.samples(count, 0, deadline);
  }

  private pairRuns(): PairRuns | string {
    if (this.runs === undefined && !this.hasBytes()) this.runs = 'no module bytes to run';
    this.runs ??= PairRuns.create(this.side(this.base), this.side(this.candidate), this.features);
    return this.runs;
  }

  /** A pair checked from stored evidence alone (atoll cache verify) has no module bytes to run. */
  private hasBytes(): boolean {
    return this.base.bytes().length > 0 && this.candidate.bytes().length > 0;
  }

  private side(side: PairSide) {
    return { fn: side.fn, ir: side.ctx.module, bytes: side.bytes() };
  }
}
