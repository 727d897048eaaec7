import type { OptimizeOptions } from '../engine/options.js';
import type { OptimizeReport, ProgressEvent, VerifyReport } from '../protocol/report.js';
import type { Certificate } from '../verify/certificate.js';

export interface JobHooks {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  onLog?: (line: string) => void;
}

export interface VerifyOptions {
  timeoutMs?: number;
  features?: string[];
  /** A certificate to re-check, as parsed from its file (not trusted). */
  certificate?: unknown;
}

/**
 * What the daemon needs of the engine (src/engine/engine.ts satisfies it structurally). `verify` is
 * optional because the verifier lands after the optimizer: without it, atoll/verify answers NotAvailable
 * and `initialize` says so in its capabilities.
 */
export interface DaemonEngine {
  warmUp(): Promise<void>;
  optimize(bytes: Uint8Array, options: OptimizeOptions, hooks: JobHooks): Promise<{ output: Uint8Array; report: OptimizeReport; certificate?: Certificate }>;
  verify?(base: Uint8Array, candidate: Uint8Array, options: VerifyOptions, hooks: JobHooks): Promise<VerifyReport>;
  status(): { islandThreads: number; solverThreads?: number; queued: number };
  close(): Promise<void>;
}
