import { availableParallelism } from 'node:os';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import {
  choiceProblem,
  defaultGenerations,
  Objectives,
  OptionDefaults,
  OptionRanges,
  rangeProblem,
  SearchStrategies,
  Topologies,
  VerifyModes,
  type IntegerRange,
  type OptimizeOptions,
  type VerifyMode,
} from '../protocol/options.js';
import { parseFeatureNames, type FeatureName } from '../wasm/features.js';

/** The engine takes the options exactly as they travel on the wire (src/protocol/options.ts). */
export type { OptimizeOptions };

export type ResolvedOptions = Required<Omit<OptimizeOptions, 'timeBudgetMs' | 'features' | 'plantFault'>> & {
  timeBudgetMs: number | undefined;
  features: FeatureName[] | undefined;
  plantFault: string | undefined;
};

/**
 * The default generations (defaultGenerations, src/protocol/options.ts) were measured on a 2-core machine (see
 * README, "Options and defaults"): generation 0 (the alternatives, then the per-function choice) is most of
 * the time; with verify off the first generation after it brings most of the rest (its sweep's first seed,
 * const-hoisting), and the second added about 0.0001 to the geomean.
 */

function bad(message: string): never {
  throw new AtollError(ErrorCodes.BadOption, message);
}

function integer(name: string, value: unknown, range: IntegerRange): number {
  const problem = typeof value === 'number' ? rangeProblem(name, value, range) : rangeProblem(name, JSON.stringify(value), range);
  if (problem) bad(problem);
  return value as number;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  const problem = choiceProblem(name, value, allowed);
  if (problem) bad(problem);
  return value as T;
}

/** Fills in defaults and rejects out-of-range values with a message naming the option. */
export function resolveOptions(options: OptimizeOptions, defaultVerify: VerifyMode): ResolvedOptions {
  const features = options.features && parseFeatureNames(options.features);
  if (options.plantFault !== undefined && process.env['ATOLL_TEST_HOOKS'] !== '1') {
    bad('plantFault is a test hook; it is available only with ATOLL_TEST_HOOKS=1');
  }
  const verify = oneOf('verify', options.verify ?? defaultVerify, VerifyModes);
  return {
    islands: integer('islands', options.islands ?? Math.min(availableParallelism(), 8), OptionRanges.islands),
    generations: integer('generations', options.generations ?? defaultGenerations(verify), OptionRanges.generations),
    seed: integer('seed', options.seed ?? OptionDefaults.seed, OptionRanges.seed),
    objective: oneOf('objective', options.objective ?? OptionDefaults.objective, Objectives),
    topology: oneOf('topology', options.topology ?? OptionDefaults.topology, Topologies),
    strategy: oneOf('strategy', options.strategy ?? OptionDefaults.strategy, SearchStrategies),
    multiStart: options.multiStart ?? OptionDefaults.multiStart,
    verify,
    timeBudgetMs: options.timeBudgetMs === undefined ? undefined : integer('timeBudgetMs', options.timeBudgetMs, OptionRanges.timeBudgetMs),
    features,
    keepNames: options.keepNames ?? OptionDefaults.keepNames,
    plantFault: options.plantFault,
  };
}

/** The options that decide the output bytes, in a fixed order: part of the result-cache key. */
export function canonicalOptions(options: ResolvedOptions): string {
  return JSON.stringify([
    options.islands,
    options.generations,
    options.seed,
    options.objective,
    options.topology,
    options.strategy,
    options.multiStart,
    options.verify,
    options.timeBudgetMs ?? null,
    options.features ?? null,
    options.keepNames,
    options.plantFault ?? null,
  ]);
}
