import type { OptimizeOptions } from '../engine/options.js';
import type { OptimizeReport, ProgressEvent, Verdict, VerifyReport } from '../protocol/report.js';
import type { ProofEvidence } from '../verify/cache-key.js';

export interface JobHooks {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  onLog?: (line: string) => void;
}

export interface VerifyOptions {
  timeoutMs?: number;
  features?: string[];
}

/**
 * What the daemon needs of the engine (src/engine/engine.ts satisfies it structurally). `verify` is
 * optional because the verifier lands after the optimizer: without it, atoll/verify answers NotAvailable
 * and `initialize` says so in its capabilities.
 */
export interface DaemonEngine {
  warmUp(): Promise<void>;
  optimize(bytes: Uint8Array, options: OptimizeOptions, hooks: JobHooks): Promise<{ output: Uint8Array; report: OptimizeReport }>;
  verify?(base: Uint8Array, candidate: Uint8Array, options: VerifyOptions, hooks: JobHooks): Promise<VerifyReport>;
  /** Checks a cached proof again from its evidence (`atoll/cache/verify`); optional like verify. */
  recheckProof?(evidence: ProofEvidence, signal?: AbortSignal): Promise<{ key: string; verdict: Verdict }>;
  status(): { islandThreads: number; solverThreads?: number; queued: number };
  close(): Promise<void>;
}
