/** The CLI's exit codes; documented in `atoll --help` and the README. */
export const ExitCode = {
  Ok: 0,
  Error: 1,
  BadUsage: 2,
  /** atoll verify: at least one changed function was refuted (a counterexample exists). */
  Refuted: 3,
  /** atoll verify: nothing refuted and no module-level difference, but some function stayed undecided. */
  Incomplete: 4,
  /** atoll verify: the modules differ at module level (exports, imports, memory, tables, globals, data…). */
  ModuleDiffers: 5,
  /** Interrupted (Ctrl-C); the daemon was asked to cancel the job first. */
  Cancelled: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake in the command line: one line, then where to read more; exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command it belongs to, for "see atoll COMMAND --help". */
    readonly command?: string,
    /** Printed instead of the pointer to --help (no arguments at all: the overview). */
    readonly usage?: string,
  ) {
    super(message);
  }
}

/** An error already explained to the user, with the exit code to end with. */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The daemon's error code, when the failure is the daemon's answer. */
    readonly code?: number,
  ) {
    super(message);
  }
}
