export interface RestartPolicy {
  /** Restarts allowed in a row before giving up; a daemon that stayed up for `stableAfterMs` resets the count. */
  maxRestarts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 5, initialDelayMs: 500, maxDelayMs: 15_000, stableAfterMs: 60_000 };

/**
 * Bounded restarts with exponential backoff. A daemon that crashes at start-up (bad path, broken install)
 * is retried a few times, then left stopped with the reason, instead of being respawned forever.
 */
export class RestartBudget {
  private restartsInARow = 0;

  constructor(private readonly policy: RestartPolicy) {}

  /** The delay before the next restart, or undefined when the budget is spent. */
  nextDelay(uptimeMs: number): number | undefined {
    if (uptimeMs >= this.policy.stableAfterMs) this.restartsInARow = 0;
    if (this.restartsInARow >= this.policy.maxRestarts) return undefined;
    const delay = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** this.restartsInARow);
    this.restartsInARow++;
    return delay;
  }

  get attempts(): number {
    return this.restartsInARow;
  }

  reset(): void {
    this.restartsInARow = 0;
  }
}
