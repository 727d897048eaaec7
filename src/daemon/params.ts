import { isAbsolute } from 'node:path';
import type { CacheClearParams, CacheName } from '../protocol/cache.js';
import type { ModuleSource } from '../protocol/module-source.js';
import type { OptimizeParams } from '../protocol/optimize.js';
import type { OptimizeOptions } from '../protocol/options.js';
import type { ProgressToken } from '../protocol/progress.js';
import type { VerifyParams } from '../protocol/verify.js';
import type { WatchStartParams, WatchStopParams } from '../protocol/watch.js';
import { invalidParams } from './response-error.js';

/**
 * Shape and type checks of every request's params, so that the engine only ever sees well-typed values.
 * Ranges (islands 1..64, …) are the engine's to check: it answers BadOption naming the option.
 */
type Fields = Record<string, unknown>;

function record(value: unknown, where: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParams(`${where} must be an object`);
  return value as Fields;
}

function onlyKnown(fields: Fields, known: readonly string[], where: string): void {
  const unknown = Object.keys(fields).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw invalidParams(`${where} has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
}

function optional<T>(fields: Fields, key: string, check: (value: unknown, where: string) => T, where: string): T | undefined {
  return fields[key] === undefined ? undefined : check(fields[key], `${where}.${key}`);
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw invalidParams(`${where} must be a string`);
  return value;
}

function number(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidParams(`${where} must be a number`);
  return value;
}

function boolean(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') throw invalidParams(`${where} must be true or false`);
  return value;
}

function strings(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw invalidParams(`${where} must be an array of strings`);
  return value.map((item, index) => string(item, `${where}[${index}]`));
}

function absolutePath(value: unknown, where: string): string {
  const path = string(value, where);
  if (!isAbsolute(path)) throw invalidParams(`${where} must be an absolute path (the daemon does not share your working directory), got "${path}"`);
  return path;
}

function token(value: unknown, where: string): ProgressToken {
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
    throw invalidParams(`${where} must be a string or an integer`);
  }
  return value;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function moduleSource(value: unknown, where: string): ModuleSource {
  const fields = record(value, where);
  onlyKnown(fields, ['path', 'base64'], where);
  if ((fields['path'] === undefined) === (fields['base64'] === undefined)) {
    throw invalidParams(`${where} must have exactly one of "path" (absolute) or "base64"`);
  }
  if (fields['path'] !== undefined) return { path: absolutePath(fields['path'], `${where}.path`) };
  const base64 = string(fields['base64'], `${where}.base64`);
  if (base64.length % 4 !== 0 || !BASE64.test(base64)) throw invalidParams(`${where}.base64 is not valid base64`);
  return { base64 };
}

const OPTION_FIELDS = {
  islands: number,
  generations: number,
  seed: number,
  objective: string,
  topology: string,
  strategy: string,
  multiStart: boolean,
  verify: string,
  timeBudgetMs: number,
  features: strings,
  keepNames: boolean,
  plantFault: string,
} satisfies Record<keyof OptimizeOptions, (value: unknown, where: string) => unknown>;

function optimizeOptions(value: unknown, where: string): OptimizeOptions {
  const fields = record(value, where);
  onlyKnown(fields, Object.keys(OPTION_FIELDS), where);
  for (const [key, check] of Object.entries(OPTION_FIELDS)) optional<unknown>(fields, key, check, where);
  // Every field was type-checked above; enumerated values are the engine's to check (BadOption).
  return fields as OptimizeOptions;
}

export function optimizeParams(value: unknown): OptimizeParams {
  const fields = record(value, 'params');
  onlyKnown(fields, ['input', 'outputPath', 'options', 'proofPath', 'workDoneToken'], 'params');
  if (fields['input'] === undefined) throw invalidParams('params.input is required');
  return {
    input: moduleSource(fields['input'], 'params.input'),
    outputPath: optional(fields, 'outputPath', absolutePath, 'params'),
    options: optional(fields, 'options', optimizeOptions, 'params') ?? {},
    proofPath: optional(fields, 'proofPath', absolutePath, 'params'),
    workDoneToken: optional(fields, 'workDoneToken', token, 'params'),
  };
}

export function verifyParams(value: unknown): VerifyParams {
  const fields = record(value, 'params');
  onlyKnown(fields, ['base', 'candidate', 'timeoutMs', 'features', 'proofPath', 'workDoneToken'], 'params');
  for (const key of ['base', 'candidate']) if (fields[key] === undefined) throw invalidParams(`params.${key} is required`);
  return {
    base: moduleSource(fields['base'], 'params.base'),
    candidate: moduleSource(fields['candidate'], 'params.candidate'),
    timeoutMs: optional(fields, 'timeoutMs', number, 'params'),
    features: optional(fields, 'features', strings, 'params'),
    proofPath: optional(fields, 'proofPath', absolutePath, 'params'),
    workDoneToken: optional(fields, 'workDoneToken', token, 'params'),
  };
}

const CACHE_NAMES: readonly CacheName[] = ['proofs', 'results'];

export function cacheClearParams(value: unknown): CacheClearParams {
  if (value === undefined || value === null) return {};
  const fields = record(value, 'params');
  onlyKnown(fields, ['caches'], 'params');
  const caches = optional(fields, 'caches', strings, 'params');
  for (const name of caches ?? []) {
    if (!CACHE_NAMES.includes(name as CacheName)) throw invalidParams(`params.caches: unknown cache "${name}" (proofs, results)`);
  }
  return caches ? { caches: caches as CacheName[] } : {};
}

export function watchStartParams(value: unknown): WatchStartParams {
  const fields = record(value, 'params');
  onlyKnown(fields, ['paths', 'outputDir', 'suffix', 'options', 'debounceMs', 'ignore', 'poll', 'initial'], 'params');
  const paths = strings(fields['paths'], 'params.paths');
  paths.forEach((path, index) => absolutePath(path, `params.paths[${index}]`));
  return {
    paths,
    outputDir: optional(fields, 'outputDir', absolutePath, 'params'),
    suffix: optional(fields, 'suffix', string, 'params'),
    options: optional(fields, 'options', optimizeOptions, 'params'),
    debounceMs: optional(fields, 'debounceMs', number, 'params'),
    ignore: optional(fields, 'ignore', strings, 'params'),
    poll: optional(fields, 'poll', boolean, 'params'),
    initial: optional(fields, 'initial', boolean, 'params'),
  };
}

export function watchStopParams(value: unknown): WatchStopParams {
  const fields = record(value, 'params');
  onlyKnown(fields, ['watchId'], 'params');
  return { watchId: string(fields['watchId'], 'params.watchId') };
}
