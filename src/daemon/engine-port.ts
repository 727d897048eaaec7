import type { VerifyPairOptions } from '../engine/engine.js';
import type { OptimizeOptions } from '../engine/options.js';
import type { OptimizeReport, ProgressEvent, VerifyReport } from '../protocol/report.js';

export interface JobHooks {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  onLog?: (line: string) => void;
}

/**
 * What the daemon needs of the engine (src/engine/engine.ts satisfies it structurally). `verify` is
 * optional because the verifier lands after the optimizer: without it, atoll/verify answers NotAvailable
 * and `initialize` says so in its capabilities.
 */
export interface DaemonEngine {
  warmUp(): Promise<void>;
  optimize(bytes: Uint8Array, options: OptimizeOptions, hooks: JobHooks): Promise<{ output: Uint8Array; report: OptimizeReport }>;
  verify?(base: Uint8Array, candidate: Uint8Array, options: VerifyPairOptions, hooks: JobHooks): Promise<VerifyReport>;
  status(): { islandThreads: number; solverThreads?: number; queued: number };
  close(): Promise<void>;
}
