import type { MessagePort } from 'node:worker_threads';
import type { FunctionVerdict } from '../protocol/report.js';
import type { FeatureName } from '../wasm/features.js';
import type { Objective } from '../wasm/metrics.js';
import type { Genome, Knobs } from '../islands/genome.js';

/** What a worker whose binaryen aborted answers until it exits; the pool then retries elsewhere. */
export const POISONED = 'binaryen worker is poisoned by an earlier abort';
/** The exit code of such a worker: a task caught in its exit is sent again too. */
export const POISONED_EXIT_CODE = 70;

/** Messages to the binaryen workers. Modules travel as bytes: binaryen module handles are per-thread pointers. */
export type BinaryenTask = IngestTask | EvaluateTask | MosaicTask | AssembleTask | ExtractIrTask | VerifyModulesTask | WarmupTask;

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
  /** Verdicts an earlier attempt settled before its worker died: reported as they are, not checked again. */
  settled?: FunctionVerdict[];
  /** Test-only: the check of this base function allocates until its worker runs out of memory. */
  plantMemoryExhaustion?: string;
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
  /** Test-only: corrupt this function after the passes (never set outside tests). */
  plantFault?: string;
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
    }
  | { ok: false; error: string; aborted: boolean; ms: number };

/** Strict mode: the base with the donor's bodies of proved functions (see engine/mosaic.ts). */
export interface MosaicTask {
  kind: 'mosaic';
  base: Uint8Array;
  donor: Uint8Array;
  flags: number;
  proved: string[];
  /** Take only bodies that are smaller in the donor than in the base. */
  onlySmaller: boolean;
  objective: Objective;
}

export type MosaicResult =
  | {
      ok: true;
      named: Uint8Array;
      stripped: Uint8Array;
      score: Score;
      taken: string[];
      skipped: Array<{ name: string; why: string }>;
      removed: string[];
    }
  | { ok: false; error: string };

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

/** The verifier's plain IR of a module (src/wasm/ir.ts), read on a worker thread. */
export interface ExtractIrTask {
  kind: 'extract-ir';
  bytes: Uint8Array;
  flags: number;
}

export interface WarmupTask {
  kind: 'warmup';
}
