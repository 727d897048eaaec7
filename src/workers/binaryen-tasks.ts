import type { MessagePort } from 'node:worker_threads';
import type { FunctionVerdict, PassStepTotals, StepRecord } from '../protocol/report.js';
import type { ProofSegment, SegmentKnobs } from '../verify/certificate.js';
import type { ChainFacts } from '../verify/incremental-rule.js';
import type { StepFacts } from '../verify/pass-step.js';
import type { FeatureName } from '../wasm/features.js';
import type { Objective } from '../wasm/metrics.js';
import type { Genome, Knobs } from '../islands/genome.js';

/**
 * A pass name with this suffix runs only on the functions the last module-level pass changed or added
 * (`runPassesOnFunction`), as binaryen's `*-optimizing` passes re-run the function pipeline on them.
 */
export const ON_TOUCHED = '@touched';

/** What a worker whose binaryen aborted answers until it exits; the pool then retries elsewhere. */
export const POISONED = 'binaryen worker is poisoned by an earlier abort';
/** The exit code of such a worker: a task caught in its exit is sent again too. */
export const POISONED_EXIT_CODE = 70;

/** Messages to the binaryen workers. Modules travel as bytes: binaryen module handles are per-thread pointers. */
export type BinaryenTask = IngestTask | EvaluateTask | AssembleTask | IncrementalTask | ExtractIrTask | InliningCandidatesTask | ParseTextTask | VerifyModulesTask | CheckCertificateTask | WarmupTask;

/** The port and limits of a task that checks function pairs (z3 and the proof cache are behind the port). */
export interface CheckingTask {
  /** In the task's transferList; see workers/services.ts. */
  port: MessagePort;
  z3Version: string;
  /** Per solver query. */
  timeoutMs?: number;
  /** Pair checks in flight at once (their solver queries overlap). */
  concurrency: number;
}

/** `atoll verify` of any pair: every function pair and the module structure checked on a worker. */
export interface VerifyModulesTask extends CheckingTask {
  kind: 'verify-modules';
  base: Uint8Array;
  candidate: Uint8Array;
  flags: number;
  /** Both modules descend from one input with names kept (see VerifyModulesOptions.sameLineage). */
  sameLineage?: boolean;
  /** Wall-clock time of each function's check, ms (CheckOptions.deadlineMs); none when absent. */
  functionTimeMs?: number;
  /** Verdicts an earlier attempt settled before its worker died: reported as they are, not checked again. */
  settled?: FunctionVerdict[];
  /** Test-only: the check of this base function allocates until its worker runs out of memory. */
  plantMemoryExhaustion?: string;
}

/** Re-checks a certificate (src/verify/certificate.ts) of `output` against `input` without trusting it. */
export interface CheckCertificateTask extends CheckingTask {
  kind: 'check-certificate';
  input: Uint8Array;
  output: Uint8Array;
  /** As parsed from the file: its shape is checked by the worker. */
  certificate: unknown;
  /** This atoll's and binaryen's versions: a certificate made with others cannot be replayed. */
  versions: { atoll: string; binaryen: string };
}

export interface CertificateCheck {
  accepted: boolean;
  /** Why the certificate was rejected. */
  reason?: string;
  /** Functions the chain changed, with their proved steps in order. */
  functions: Array<{ name: string; steps: Array<{ pass: string; method: string }> }>;
  passes: PassStepTotals[];
  /** Proof steps re-checked. */
  steps: number;
}

export interface IngestTask {
  kind: 'ingest';
  bytes: Uint8Array;
  declared: FeatureName[] | undefined;
  override: FeatureName[] | undefined;
  /** The unit of the returned score, so the input compares with candidates (default size). */
  objective?: Objective;
}

export interface IngestResult {
  features: FeatureName[];
  flags: number;
  featureSource: 'override' | 'target_features' | 'detected';
  functions: number;
  /** The input itself with every function named: the common ground the search and the verifier start from. */
  named: Uint8Array;
  /** The input's score; its size is the input's own length. */
  score: Score;
  /** Set when the input's name section could not be read: why. The module was read without it. */
  droppedNames?: string;
}

export interface EvaluateTask {
  kind: 'evaluate';
  /** The module to apply the genome to: the input for pipeline genomes, a resident's module for refine. */
  base: Uint8Array;
  flags: number;
  genome: Genome;
  objective: Objective;
  /** Test-only: corrupt this function (after the passes; with checks, right after the first pass). */
  plantFault?: string;
  /**
   * Apply the genome pass by pass and check every step (src/workers/pipeline/): `strict` keeps only proved
   * steps, `report` keeps all and records the unproved ones. The genome must hold explicit passes only.
   */
  checks?: StepChecks;
  /** With checks and ASSEMBLE_PASS among the passes: the modules that pass takes bodies from (see AssembleTask). */
  assembly?: AssemblySources;
}

/**
 * A pseudo-pass of a checked pipeline: the module with, per function, the smallest compatible body of the
 * input or a donor (workers/assemble.ts), each replaced body a step checked like any pass's.
 */
export const ASSEMBLE_PASS = 'assemble';

/** What ASSEMBLE_PASS takes bodies from: the input (named) and the donor modules (named), in order. */
export interface AssemblySources {
  input: Uint8Array;
  donors: Uint8Array[];
}

/** What a task that checks steps needs: a service port to z3 and the proof cache (in its transferList). */
export interface StepChecks extends CheckingTask {
  mode: 'strict' | 'report';
  /** Strict mode: false checks every pass on its own instead of runs of function passes as spans (default true). */
  spans?: boolean;
  /** Strict mode: functions the solver gave up on in earlier generations of the job (PipelineRun.solverGaveUp). */
  solverGaveUp?: string[];
  /** Strict mode: no pass starts after this time, Date.now() ms (the job's time budget; PipelineRun.deadline). */
  deadline?: number;
}

/** What an evaluation with checks adds to its result: how its steps fared, and its part of a certificate. */
export interface EvaluationProof {
  segment: ProofSegment;
  passes: PassStepTotals[];
  /** Steps that went back (strict) or stayed unproved (report). */
  unproved: StepRecord[];
  /** Every kept proved step (`cached`: its verdict came from the proof cache). */
  proved: ProvedStep[];
  /** [removed duplicate, its twin] (PipelineResult.twins). */
  twins: Array<[string, string]>;
  /** Functions a kept step added (PipelineResult.made). */
  made: string[];
}

/** A kept proved step of a chain: function, pass position, method, whether cached, and what it assumed. */
export interface ProvedStep {
  function: string;
  pass: string;
  index: number;
  method: string;
  cached: boolean;
  facts?: StepFacts;
}

export interface Score {
  /** Emitted bytes without the name section. */
  size: number;
  instructions?: number;
  cycles?: number;
  /** The objective's value: lower is better. */
  value: number;
}

export type EvaluateResult =
  | {
      ok: true;
      /** Emitted with names, so functions can be matched against the base. */
      named: Uint8Array;
      /** Emitted without names: the bytes a user receives unless they ask to keep names. */
      stripped: Uint8Array;
      score: Score;
      ms: number;
      /** Present when the genome was applied with checks. */
      proof?: EvaluationProof;
      /** With ASSEMBLE_PASS: the bodies its kept steps took, and from how many modules (the input counts as one). */
      assembled?: { bodies: number; donors: number };
      /** With checks: the functions the solver gave up on, these steps' and those the task was given. */
      solverGaveUp?: string[];
      /** With checks, when the deadline stopped the genome before its last pass: the passes that ran. */
      stopped?: string[];
    }
  | { ok: false; error: string; aborted: boolean; ms: number };

/**
 * The base with, per function, the smallest body any donor (or the input) holds whose context is compatible
 * (see workers/assemble.ts). All modules are named, as the search emits them.
 */
export interface AssembleTask {
  kind: 'assemble';
  input: Uint8Array;
  base: Uint8Array;
  donors: Uint8Array[];
  flags: number;
  /** The knobs the base was emitted with (stack IR optimization at emit depends on the levels). */
  knobs: Knobs;
  objective: Objective;
}

/**
 * Passes run on an assembled module: functions no body calls any more go, and the most-used functions move
 * first so that their calls take one-byte indices (-0.5 % on gofmt, 514 functions). Neither changes a body.
 */
export const ASSEMBLY_CLEANUP = ['remove-unused-module-elements', 'reorder-functions'];

export type AssembleResult =
  | {
      ok: true;
      named: Uint8Array;
      stripped: Uint8Array;
      score: Score;
      /** Bodies taken: from donor i of the task, or -1 for the input, and the bytes each saved. */
      taken: Array<{ name: string; donor: number; saved: number }>;
      /** Smaller bodies left out because their context differs, with why. */
      skipped: Array<{ name: string; why: string }>;
    }
  | { ok: false; error: string; skipped: Array<{ name: string; why: string }> };

/**
 * Watch mode's incremental rebuild (workers/incremental.ts): the previous strict output with the bodies the
 * new input changed put in and optimized by `passes` (function passes) on those functions only, every step
 * checked, when verify/incremental-rule.ts shows the previous output's chain still holds for the rest.
 */
export interface IncrementalTask extends CheckingTask {
  kind: 'incremental';
  /** The previous build's input and output and the new input, all named. */
  previousInput: Uint8Array;
  previousOutput: Uint8Array;
  input: Uint8Array;
  /** What the previous output's chain assumed (verify/incremental-rule.ts). */
  facts: ChainFacts;
  flags: number;
  knobs: SegmentKnobs;
  passes: string[];
  objective: Objective;
  /**
   * A rehearsal (Engine.rehearseIncremental): `input` is `previousInput`, and the largest function bodies up
   * to `bodyBytes` in all are rebuilt as if they had changed, no pass starting after `deadline` (Date.now()).
   */
  rehearsal?: { bodyBytes: number; deadline: number };
}

export type IncrementalResult =
  | { ok: true; declined: string }
  | {
      ok: true;
      named: Uint8Array;
      stripped: Uint8Array;
      score: Score;
      /** The functions rebuilt; every other body is the previous output's. */
      rebuilt: string[];
      proof: EvaluationProof;
      ms: number;
    }
  | { ok: false; error: string; aborted: boolean };

/** The verifier's plain IR of a module (src/wasm/ir.ts), read on a worker thread. */
export interface ExtractIrTask {
  kind: 'extract-ir';
  bytes: Uint8Array;
  flags: number;
}

/** The functions worth inlining one at a time in a module with names (workers/inlining-candidates.ts). */
export interface InliningCandidatesTask {
  kind: 'inlining-candidates';
  named: Uint8Array;
  flags: number;
}

/** A module in the text format, read and written as binary with its names (it must validate). */
export interface ParseTextTask {
  kind: 'parse-text';
  text: string;
}

export interface WarmupTask {
  kind: 'warmup';
}
