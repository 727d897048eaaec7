import { availableParallelism } from 'node:os';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import type { OptimizeOptions } from '../protocol/options.js';
import type { Objective, SearchStrategy, Topology, VerifyMode } from '../protocol/report.js';
import { SEARCH_STRATEGIES } from '../islands/archipelago.js';
import { parseFeatureNames, type FeatureName } from '../wasm/features.js';


/** The engine takes the options exactly as they travel on the wire (src/protocol/options.ts). */
export type { OptimizeOptions };

export type ResolvedOptions = Required<Omit<OptimizeOptions, 'timeBudgetMs' | 'features' | 'plantFault'>> & {
  timeBudgetMs: number | undefined;
  features: FeatureName[] | undefined;
  plantFault: string | undefined;
};

/**
 * Measured on a 2-core machine (see README, "Defaults"): a default run takes about twice one -Oz run.
 */
export const DEFAULT_GENERATIONS = 4;
export const MAX_ISLANDS = 64;
export const MAX_GENERATIONS = 1000;

const OBJECTIVES: readonly Objective[] = ['size', 'instructions', 'cycles'];
const TOPOLOGIES: readonly Topology[] = ['ring', 'unconnected', 'fully-connected'];
const VERIFY_MODES: readonly VerifyMode[] = ['strict', 'report', 'off'];

function bad(message: string): never {
  throw new AtollError(ErrorCodes.BadOption, message);
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    bad(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    bad(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Fills in defaults and rejects out-of-range values with a message naming the option. */
export function resolveOptions(options: OptimizeOptions, defaultVerify: VerifyMode): ResolvedOptions {
  const features = options.features && parseFeatureNames(options.features);
  if (options.plantFault !== undefined && process.env['ATOLL_TEST_HOOKS'] !== '1') {
    bad('plantFault is a test hook; it is available only with ATOLL_TEST_HOOKS=1');
  }
  return {
    islands: integer('islands', options.islands ?? Math.min(availableParallelism(), 8), 1, MAX_ISLANDS),
    generations: integer('generations', options.generations ?? DEFAULT_GENERATIONS, 0, MAX_GENERATIONS),
    seed: integer('seed', options.seed ?? 1, 0, 0xffffffff),
    objective: oneOf('objective', options.objective ?? 'size', OBJECTIVES),
    topology: oneOf('topology', options.topology ?? 'ring', TOPOLOGIES),
    strategy: oneOf('strategy', options.strategy ?? 'refine', SEARCH_STRATEGIES),
    multiStart: options.multiStart ?? false,
    verify: oneOf('verify', options.verify ?? defaultVerify, VERIFY_MODES),
    timeBudgetMs:
      options.timeBudgetMs === undefined ? undefined : integer('timeBudgetMs', options.timeBudgetMs, 1, 86_400_000),
    features,
    keepNames: options.keepNames ?? false,
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
