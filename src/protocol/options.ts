/**
 * Optimize options, defined once: the wire type, the allowed values of each enumerated option and the range
 * of each number. The engine checks against these (BadOption), the CLI builds its flags and messages from
 * them, and the VS Code settings read them (a unit test keeps clients/vscode/package.json in step).
 */

/** What the search minimizes. */
export const Objectives = ['size', 'instructions', 'cycles'] as const;
export type Objective = (typeof Objectives)[number];

/** Where each island sends its best module after a generation. */
export const Topologies = ['ring', 'unconnected', 'fully-connected'] as const;
export type Topology = (typeof Topologies)[number];

/**
 * How islands search after generation 0. `refine`: every island applies short sequences on top of its best
 * module; `pipeline`: every island mutates whole pipelines applied to the input; `mixed`: even islands
 * pipeline, odd islands refine (heterogeneous archipelago). See src/islands/archipelago.ts.
 */
export const SearchStrategies = ['refine', 'pipeline', 'mixed'] as const;
export type SearchStrategy = (typeof SearchStrategies)[number];

/** strict: only proved changes are kept; report: keep all, say what was proved; off: no checks. */
export const VerifyModes = ['strict', 'report', 'off'] as const;
export type VerifyMode = (typeof VerifyModes)[number];

export interface IntegerRange {
  min: number;
  max: number;
}

/** The integer options and the values each accepts, inclusive. */
export const OptionRanges = {
  islands: { min: 1, max: 64 },
  generations: { min: 0, max: 1000 },
  seed: { min: 0, max: 0xffffffff },
  timeBudgetMs: { min: 1, max: 86_400_000 },
} as const satisfies Record<string, IntegerRange>;

/** Defaults the daemon applies to what a request leaves out (islands: available cores, at most 8). */
export const OptionDefaults = {
  generations: 2,
  seed: 1,
  objective: 'size',
  topology: 'ring',
  strategy: 'refine',
  verify: 'strict',
  multiStart: false,
  keepNames: false,
} as const satisfies Partial<Record<keyof OptimizeOptions, unknown>>;

/**
 * The default generations with `verify: off` (the search alone): one. Measured (README, "Options and
 * defaults"): a second generation added 0.0001 to the corpus geomean for about a fifth more time. With checks
 * the default stays OptionDefaults.generations: a proved module loses bytes a second generation wins back.
 */
export const UNVERIFIED_GENERATIONS = 1;

/** The generations a request that does not say gets, by its verify mode. */
export function defaultGenerations(verify: VerifyMode): number {
  return verify === 'off' ? UNVERIFIED_GENERATIONS : OptionDefaults.generations;
}

/**
 * The one wording of a number out of range, for the engine (`name` = the option) and the CLI (`name` = the
 * flag): "islands must be an integer from 1 to 64, got -3".
 */
export function rangeProblem(name: string, value: unknown, range: IntegerRange): string | undefined {
  const number = typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number === 'number' && Number.isInteger(number) && number >= range.min && number <= range.max) return undefined;
  return `${name} must be an integer from ${range.min} to ${range.max}, got ${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/** The one wording of a value outside an enumeration: "objective must be one of size, instructions, cycles, got speed". */
export function choiceProblem(name: string, value: unknown, allowed: readonly string[]): string | undefined {
  if (typeof value === 'string' && allowed.includes(value)) return undefined;
  return `${name} must be one of ${allowed.join(', ')}, got ${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/** Optimize options as they travel on the wire; the engine takes exactly this type. */
export interface OptimizeOptions {
  /** Number of islands; default: available cores (at most 8). */
  islands?: number;
  /** Generations after the initial one. */
  generations?: number;
  seed?: number;
  objective?: Objective;
  topology?: Topology;
  /** How islands search after generation 0. */
  strategy?: SearchStrategy;
  /** Same islands, no migration. */
  multiStart?: boolean;
  verify?: VerifyMode;
  /**
   * Stop the search after this many milliseconds: no generation starts after it, and in strict mode a proof
   * in progress ends between two passes with the module proved so far (the output is then not deterministic).
   */
  timeBudgetMs?: number;
  /** Feature names (e.g. "sign-ext", "bulk-memory"); default: detected. */
  features?: string[];
  /** Keep the name section in the output. */
  keepNames?: boolean;
  /** Test hook, honoured only when the daemon runs with ATOLL_TEST_HOOKS=1. */
  plantFault?: string;
}
