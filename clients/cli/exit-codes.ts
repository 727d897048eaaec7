/** The CLI's exit codes; documented in `atoll --help` and the README. */
export const ExitCode = {
  Ok: 0,
  Error: 1,
  BadUsage: 2,
  /** atoll verify: at least one changed function was refuted (a counterexample exists). */
  Refuted: 3,
  /** atoll verify: nothing refuted, but some function or the module-level check stayed undecided. */
  Incomplete: 4,
  /** Interrupted (Ctrl-C); the daemon was asked to cancel the job first. */
  Cancelled: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** An error already explained to the user, with the exit code to end with. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
