import type { Counterexample } from '../../protocol/report.js';
import type { IrFunction, IrModule, IrType } from '../../wasm/ir.js';
import { observableGlobals } from '../callable.js';
import { memoryImage, sameImage } from '../module-check.js';
import { compare, type Compared } from './compare.js';
import { EntryStates, type EntryState } from './entry.js';
import { prepare, type RunResult } from './execute.js';
import { GROWTH_LIMIT, buildHarness, type Harness } from './harness.js';
import type { LoopSample } from './loop-samples.js';

/**
 * Runs of a function pair: both functions run for real in V8 from the same entry states (see entry.ts), and
 * any difference in what a caller could observe (compare.ts) is a refutation whose counterexample has
 * already been run. The entry memory is the base's data image (or the model's bytes, for a replay) on both
 * sides; globals are the base's mutable globals, set alike on both sides.
 */

/** One side of a pair as runs need it: the function, its module's IR, and the module's bytes. */
export interface RunSide {
  fn: IrFunction;
  ir: IrModule;
  bytes: Uint8Array;
}

export interface RunTally {
  /** Entry states both sides ran from to the end (returned or trapped). */
  ran: number;
  /** Fuel both sides used so far (see harness.ts); runs stop at RUNS_FUEL_BUDGET. */
  fuel?: number;
  /** Entry states where a side was cut off (fuel, stack) or could not be set up. */
  inconclusive: number;
  /** The first reason a run was inconclusive, when one was. */
  why?: string;
}

/**
 * Fuel all runs of one check may use, both sides together (about 13 runs that each run out): cheap
 * functions get every run asked for, loop-heavy ones as many as this allows. A count, so deterministic.
 */
export const RUNS_FUEL_BUDGET = 8_000_000;

export interface RunsRefutation {
  entry: EntryState;
  compared: Compared & { difference: string };
}

const view = new DataView(new ArrayBuffer(8));
/** A value as a wasm literal: integers signed, floats by their bits (and value, where it reads plainly). */
export const literal = (type: IrType, bits: bigint) => {
  if (type === 'i32' || type === 'i64') return `${type}.const ${BigInt.asIntN(type === 'i32' ? 32 : 64, bits)}`;
  // The value too where it reads plainly; always the bits, which is what ran.
  let value: number;
  if (type === 'f32') { view.setUint32(0, Number(bits), true); value = view.getFloat32(0, true); } else { view.setBigUint64(0, bits, true); value = view.getFloat64(0, true); }
  return `${type}.const bits:0x${bits.toString(16)}${Number.isNaN(value) ? '' : ` (${Object.is(value, -0) ? '-0' : value})`}`;
};

export class PairRuns {
  /** The base's mutable globals: set alike on both sides at entry. */
  private readonly shared: Map<string, IrType>;
  /** Of those, the ones compared after a run (observableGlobals). */
  private readonly observed: Map<string, IrType>;
  private readonly inputs: EntryStates;
  private imagesAlike: boolean | undefined;

  private constructor(
    private readonly base: RunSide,
    private readonly candidate: RunSide,
    private readonly harnesses: [Harness, Harness],
    private readonly fuel: number | undefined,
  ) {
    this.shared = new Map(base.ir.globals.filter((g) => g.mutable).map((g) => [g.name, g.type]));
    const observable = observableGlobals(base.ir, candidate.ir);
    this.observed = new Map([...this.shared].filter(([name]) => observable.has(name)));
    this.inputs = new EntryStates(base.ir, base.fn);
  }

  /**
   * Runs for the pair, or the reason there can be none: a signature the runs cannot carry, or state of the
   * candidate the base has not (a mutable global only it has), from which no shared entry state exists, or
   * state JavaScript cannot set or read (a mutable v128 global).
   */
  static create(base: RunSide, candidate: RunSide, features: number, options: { trace?: boolean; fuel?: number } = {}): PairRuns | string {
    const settable = base.ir.globals.filter((g) => g.mutable).map((g) => g.name);
    const known = new Set(base.ir.globals.map((g) => g.name));
    const extra = candidate.ir.globals.find((g) => g.mutable && !known.has(g.name));
    if (extra) return `the candidate has a mutable global the base has not (${extra.name})`;
    const vector = [...base.ir.globals, ...candidate.ir.globals].find((g) => g.mutable && g.type === 'v128');
    if (vector) return `a mutable v128 global (${vector.name}) cannot be set or read from JavaScript`;
    try {
      const harness = (side: RunSide) => buildHarness(side.bytes, side.ir, { features, settable, ...(options.trace ? { trace: side.fn.name } : {}) });
      return new PairRuns(base, candidate, [harness(base), harness(candidate)], options.fuel);
    } catch (error) {
      if (error instanceof Error && !(error instanceof WebAssembly.RuntimeError)) return error.message;
      throw error;
    }
  }

  /**
   * Both sides from one entry state, compared; or why that state could not be run to the end on both.
   * `fresh`: on new instances rather than ones put back after earlier runs.
   */
  run(entry: EntryState, fresh = false): ({ compared: Compared; loops?: LoopSample } | { why: string }) & { fuel: number } {
    const initial = this.base.ir.memory?.initial ?? 0;
    if (entry.pages > initial + GROWTH_LIMIT) return { why: `a memory of ${entry.pages} pages is more than runs allocate`, fuel: 0 };
    const options = { shared: this.shared, ...(this.fuel ? { fuel: this.fuel } : {}), ...(fresh ? { fresh } : {}) };
    const a = prepare(this.harnesses[0], this.base.fn, entry, options);
    if ('why' in a) return { ...a, fuel: 0 };
    const b = prepare(this.harnesses[1], this.candidate.fn, entry, options);
    if ('why' in b) return { ...b, fuel: 0 };
    if (entry.memory === 'image' && a.memory && b.memory && !this.sameImages()) {
      if (a.memory.length !== b.memory.length) return { why: 'the sides start with memories of different sizes', fuel: 0 };
      b.adoptImage(a);
    }
    const ra: RunResult = a.run();
    if (!ra.ran) return { why: ra.why, fuel: ra.fuel ?? 0 };
    const rb: RunResult = b.run();
    const fuel = ra.observation.fuel + (rb.ran ? rb.observation.fuel : rb.fuel ?? 0);
    if (!rb.ran) return { why: rb.why, fuel };
    const compared = compare(ra.observation, rb.observation, { results: this.base.fn.results, globals: this.observed });
    const loops = ra.observation.loops && rb.observation.loops ? { base: ra.observation.loops, candidate: rb.observation.loops } : undefined;
    return { compared, fuel, ...(loops ? { loops } : {}) };
  }

  /**
   * Runs `count` generated entry states of stream `stream` and stops at the first difference, or when the
   * tally's fuel reaches RUNS_FUEL_BUDGET, or performance.now() passes `deadline`. Deterministic without a
   * deadline: the same pair, count and stream (and tally) give the same answer.
   */
  refute(count: number, stream: number, tally: RunTally, deadline = Infinity): RunsRefutation | undefined {
    for (let i = 0; i < count && (tally.fuel ?? 0) < RUNS_FUEL_BUDGET && performance.now() <= deadline; i++) {
      const entry = this.inputs.state(i, stream);
      const outcome = this.run(entry);
      tally.fuel = (tally.fuel ?? 0) + outcome.fuel;
      if ('why' in outcome) {
        tally.inconclusive++;
        tally.why ??= outcome.why;
        continue;
      }
      tally.ran++;
      if (outcome.compared.difference === undefined) continue;
      const confirmed = this.confirm(entry);
      if (confirmed) return confirmed;
      tally.inconclusive++;
      tally.why ??= 'a difference did not show again on fresh instances';
    }
    return undefined;
  }

  /**
   * The entry state run again on fresh instances, and its difference if it shows there too. Runs put
   * instances back by restoring only what they wrote (execute.ts): a write that escaped the record would
   * leave one side a different memory to start from, and a refutation must never rest on that.
   */
  confirm(entry: EntryState): RunsRefutation | undefined {
    const again = this.run(entry, true);
    return 'compared' in again && again.compared.difference !== undefined ? { entry, compared: again.compared as RunsRefutation['compared'] } : undefined;
  }

  /** Loop-header samples of `count` generated entry states on which both sides ran (a traced pair only). */
  samples(count: number, stream = 0, deadline = Infinity): LoopSample[] {
    const out: LoopSample[] = [];
    for (let i = 0; i < count && performance.now() <= deadline; i++) {
      const outcome = this.run(this.inputs.state(i, stream));
      if ('loops' in outcome && outcome.loops) out.push(outcome.loops);
    }
    return out;
  }

  /** The counterexample a refutation reports: the entry state as wasm literals and what each side did. */
  counterexample(refutation: RunsRefutation, foundBy: Counterexample['foundBy']): Counterexample {
    const { entry, compared } = refutation;
    const state: Record<string, string> = {};
    for (const [name, bits] of entry.globals) {
      const type = this.shared.get(name) ?? this.base.ir.globals.find((g) => g.name === name)?.type;
      if (type) state[`global ${name}`] = literal(type, bits);
    }
    if (this.base.ir.memory) {
      state['memory pages'] = String(entry.pages);
      state['memory'] = entry.memory === 'image' ? 'the data segments\' image' : 'zeros';
      const written = entry.writes.map(([at, bytes]) => `${at}:${Buffer.from(bytes).toString('hex')}`).join(' ');
      if (written) state['memory bytes written'] = written;
    }
    if (entry.world !== null) state['imports answer'] = `seed ${entry.world}`;
    return {
      params: this.base.fn.params.map((t, i) => literal(t, entry.params[i]!)),
      state,
      observed: { base: compared.base, candidate: compared.candidate },
      difference: compared.difference,
      foundBy,
    };
  }

  private sameImages(): boolean {
    if (this.imagesAlike === undefined) {
      const a = memoryImage(this.base.ir.data);
      const b = memoryImage(this.candidate.ir.data);
      this.imagesAlike = typeof a !== 'string' && typeof b !== 'string' && sameImage(a, b) === undefined && !this.base.ir.data.some((d) => d.unreadable);
    }
    return this.imagesAlike;
  }
}
