/**
 * Reports: what an optimize or verify job returns. They are part of the protocol (the daemon sends them,
 * clients print them), so they live here and the engine produces them.
 */

import type { Objective, SearchStrategy, Topology, VerifyMode } from './options.js';

// The option enums live in options.ts; reports use them, and code that reads reports imports them from here too.
export type { Objective, SearchStrategy, Topology, VerifyMode };

/**
 * How a changed function was proved equivalent: `graph` when both sides' observables became the same terms
 * of the value graph (loops matched at their headers included), `smt` when z3 proved what remained,
 * `unreachable` when nothing in the candidate can call it (not exported, not the start, in no table slot a
 * `call_indirect` of its type can reach, named by no `ref.func`, called by no such function), so its body
 * cannot affect the module's behaviour.
 */
export type ProofMethod = 'identical' | 'alpha' | 'graph' | 'smt' | 'local-change' | 'induction' | 'unreachable';

/** Why a function could be neither proved nor refuted. */
export type UnknownReason =
  | 'timeout'
  | 'unsupported'
  | 'size-cap'
  | 'loop'
  | 'encoder-fault'
  /** A counterexample relied on an uninterpreted function (float operator, opaque call) and did not replay. */
  | 'approximation'
  | 'unmatched'
  | 'signature-changed'
  | 'solver-error'
  /**
   * Not decided on its own: it depends on other changes or steps (e.g. not among a certificate's steps, so
   * not checked).
   */
  | 'context'
  /** Its check ran out of the memory a worker may use (the worker was ended and replaced; the rest went on). */
  | 'out-of-memory';

export interface Counterexample {
  /** Parameter values as wasm text literals (i32/i64 decimal, f32/f64 as raw bits in hex). */
  params: string[];
  /** Globals and memory bytes the model fixed, where they matter; free-form per encoder. */
  state?: Record<string, string>;
  /** What differed when both functions ran for real. */
  observed?: { base: string; candidate: string };
  /** The first observable that differed (a result, a global, a memory byte, a trap, the calls to imports). */
  difference?: string;
  /** `run`: found by running both functions on generated inputs; `solver`: a model z3 gave, then run. */
  foundBy?: 'run' | 'solver';
}

export type Verdict =
  | { status: 'proved'; method: ProofMethod }
  | { status: 'refuted'; counterexample: Counterexample }
  | { status: 'unknown'; reason: UnknownReason; detail?: string };

/**
 * What settled a verdict: the bodies were identical (or alike up to renaming), the value graph, z3 (with
 * replay in V8 for a refutation), a run of both functions, the proof cache, or the module (nothing can call
 * the function: `proved (unreachable)`).
 */
export type SettledBy = 'identical' | 'graph' | 'z3' | 'run' | 'cache' | 'module';

export interface FunctionVerdict {
  name: string;
  verdict: Verdict;
  /** What settled it (absent in reports of older daemons). */
  settledBy?: SettledBy;
  /** Body sizes in bytes (code section entry), where known. */
  baseSize?: number;
  candidateSize?: number;
  /** Whether the verdict came from the proof cache. */
  cached: boolean;
  ms: number;
  /** optimize only: the island and generation whose variant of the function this verdict is about. */
  variant?: { island: number; generation: number };
  /** optimize: the pass whose step this verdict is about (a step that went back, or was kept unproved). */
  pass?: string;
  /** optimize and certificate checks: the proved steps that took the function from input to output, in order. */
  steps?: Array<{ pass: string; method: string }>;
}

export interface VerifyTotals {
  changed: number;
  proved: number;
  refuted: number;
  unknown: number;
  provedBy: Partial<Record<ProofMethod, number>>;
  unknownBy: Partial<Record<UnknownReason, number>>;
  /** proved ÷ changed, in percent (100 when nothing changed). */
  coverage: number;
}

export interface ModuleCheck {
  /** True only when every module-level difference was shown to preserve behaviour. */
  accepted: boolean;
  /** One line per difference found and how it was decided (or why it could not be). */
  findings: string[];
  /**
   * How many findings are module-level differences not shown to preserve behaviour: an export, import,
   * signature, declaration, initializer or data that changed (0 when accepted). A finding that only waits on a
   * function left unproved (a table slot whose function is unknown) is not one: that is incompleteness.
   */
  differences: number;
}

export interface VerifyReport {
  functions: FunctionVerdict[];
  totals: VerifyTotals;
  module: ModuleCheck;
  /** Functions of either side that could not be paired with one of the other. */
  unmatched: { base: string[]; candidate: string[] };
  timeMs: { total: number; solver: number; cached: number };
}

/**
 * How one binaryen pass fared as (function, pass) steps, summed over every run of it in a job: each function
 * whose body or signature a run changed is one step, proved and kept or reverted to its body before the pass.
 */
export interface PassStepTotals {
  pass: string;
  /** Runs of the pass with its steps checked. */
  runs: number;
  steps: number;
  proved: number;
  /** Proved steps whose verdict came from the proof cache. */
  cached: number;
  /** Steps kept without a proof (report mode only). */
  keptUnproved: number;
  reverted: number;
  /**
   * Why reverted steps went back: `refuted`, an unknown verdict's reason (`timeout`, `loop`, …), `dragged`
   * (its own step was proved, but it went back with a function it depends on), or `module-level` (the whole
   * step went back because a module-level change of the pass could not be accepted).
   */
  revertedBy: Record<string, number>;
  /** Code bytes the reverted steps would have saved: pre-pass body size minus post-pass size, where smaller. */
  bytesLost: number;
  /** Runs whose whole step went back for a module-level reason. */
  wholeReverts: number;
  /** Wall-clock ms of its runs: running the pass, seeing what it changed, checking and settling the steps. */
  ms?: number;
  /**
   * A span only (`first…last`: consecutive passes that each work inside one function, checked as one step per
   * function over all of them; proved-pipeline.ts): its steps are the functions whose change over the whole
   * span was proved, and these are the functions that were not, which went back and were checked pass by pass
   * instead (their steps are counted under each pass).
   */
  passByPass?: number;
}

/** One (function, pass) step that did not go through as a proved change. */
export interface StepRecord {
  function: string;
  pass: string;
  /** Position of the pass in the run that applied it (0-based, rounds counted). */
  index: number;
  verdict: Verdict;
  /** Why it went back when its own verdict was not the reason (see PassStepTotals.revertedBy). */
  why?: string;
  bytesLost: number;
}

export interface GenerationRecord {
  generation: number;
  island: number;
  /** The island's best objective value after this generation. */
  best: number;
  /** Size in bytes of the island's best module after this generation. */
  bestSize: number;
  genome: string;
  /** Evaluations this island ran in this generation, and how many failed. */
  evaluations: number;
  failures: number;
  ms: number;
}

export interface MigrationRecord {
  generation: number;
  from: number;
  to: number;
  genome: string;
  score: number;
  accepted: boolean;
}

export interface OptimizeReport {
  input: { bytes: number; sha256: string; features: string[]; featureSource: string; functions: number };
  output: { bytes: number; sha256: string };
  objective: Objective;
  /** binaryen's own -Oz of the same input, measured in the same run. */
  baseline: { bytes: number; value: number; ms: number } | null;
  /** island -1 means no island beat the input, which was returned unchanged. */
  champion: { island: number; generation: number; genome: string[]; value: number };
  settings: {
    islands: number;
    generations: number;
    seed: number;
    topology: Topology;
    strategy: SearchStrategy;
    multiStart: boolean;
    verify: VerifyMode;
    timeBudgetMs?: number;
    /** False when a time budget cut the search: then the same seed may give other bytes. */
    deterministic: boolean;
  };
  history: GenerationRecord[];
  migrations: MigrationRecord[];
  /** Islands dropped for a generation because their worker failed, with the reason. */
  failures: Array<{ generation: number; island: number; error: string }>;
  /**
   * Present unless verification is off. In strict mode its `functions` are the functions the output's chain
   * of proved steps changed, each with those steps; in report mode also those with an unproved step kept.
   */
  verification?: VerifyReport;
  /**
   * strict mode: functions with a change the champion's pipeline made that is not in the output, once each,
   * with the verdict of the first step that went back (and that step's pass).
   */
  rejected?: FunctionVerdict[];

  /**
   * strict mode: code bytes given up because changes could not be proved: what the champion's reverted steps
   * would have saved, each measured at its step (a reverted step can also keep later passes from saving more,
   * which this does not count).
   */
  proofTax?: number;
  /** strict and report mode: per pass, its (function, pass) steps summed over every checked run of the job. */
  passSteps?: PassStepTotals[];
  /** The champion's steps that did not go through as proved changes: reverted (strict) or kept unproved (report). */
  unprovedSteps?: StepRecord[];
  /** What the output is: `unverified` when verification is off — never called verified. */
  verifiedStatus: 'unverified' | 'proved' | 'partially-proved';
  timeMs: { total: number; ingest: number; optimize: number; verify: number; emit: number };
  /** True when the whole answer came from the result cache. */
  cached: boolean;
  /**
   * Watch mode's incremental quick rebuild only: the functions whose new bodies were optimized and proved in
   * the previous output (every other body is that output's, whose proofs still hold). Such an output has no
   * certificate; the final rebuild that follows has one.
   */
  incremental?: { rebuilt: string[] };
}
