import { isAbsolute } from 'node:path';
import type { ModuleSource } from '../../protocol/module-source.js';
import type { OptimizeOptions } from '../../protocol/options.js';
import type { ProgressToken } from '../../protocol/progress.js';
import { invalidParams } from '../response-error.js';

/**
 * The checks each request's validator is made of (handlers/*.ts): shapes and types, so that the engine only
 * ever sees well-typed values. Ranges and enumerations (islands 1..64, objective …) are the engine's to check:
 * it answers BadOption naming the option, for the daemon and the library alike.
 */
export type Fields = Record<string, unknown>;
export type Check<T> = (value: unknown, where: string) => T;

export function record(value: unknown, where: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParams(`${where} must be an object`);
  return value as Fields;
}

/** The params object of a request, with no field but `known`. */
export function paramsOf(value: unknown, known: readonly string[]): Fields {
  const fields = record(value, 'params');
  onlyKnown(fields, known, 'params');
  return fields;
}

/** A request without params: nothing, null, or an empty object or array (what some JSON-RPC clients send). */
export function noParams(value: unknown): undefined {
  const empty = value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0);
  if (!empty) throw invalidParams('this request takes no params');
  return undefined;
}

export function onlyKnown(fields: Fields, known: readonly string[], where: string): void {
  const unknown = Object.keys(fields).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw invalidParams(`${where} has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
}

export function required<T>(fields: Fields, key: string, check: Check<T>, where = 'params'): T {
  if (fields[key] === undefined) throw invalidParams(`${where}.${key} is required`);
  return check(fields[key], `${where}.${key}`);
}

export function optional<T>(fields: Fields, key: string, check: Check<T>, where = 'params'): T | undefined {
  return fields[key] === undefined ? undefined : check(fields[key], `${where}.${key}`);
}

/** Drops the keys whose value is undefined, so that a validated object has only what the client sent. */
export function defined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

export const string: Check<string> = (value, where) => {
  if (typeof value !== 'string') throw invalidParams(`${where} must be a string`);
  return value;
};

export const number: Check<number> = (value, where) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidParams(`${where} must be a number`);
  return value;
};

export const boolean: Check<boolean> = (value, where) => {
  if (typeof value !== 'boolean') throw invalidParams(`${where} must be true or false`);
  return value;
};

export const strings: Check<string[]> = (value, where) => {
  if (!Array.isArray(value)) throw invalidParams(`${where} must be an array of strings`);
  return value.map((item, index) => string(item, `${where}[${index}]`));
};

export const absolutePath: Check<string> = (value, where) => {
  const path = string(value, where);
  if (!isAbsolute(path)) throw invalidParams(`${where} must be an absolute path (the daemon does not share your working directory), got "${path}"`);
  return path;
};

export const progressToken: Check<ProgressToken> = (value, where) => {
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
    throw invalidParams(`${where} must be a string or an integer`);
  }
  return value;
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const moduleSource: Check<ModuleSource> = (value, where) => {
  const fields = record(value, where);
  onlyKnown(fields, ['path', 'base64'], where);
  if ((fields['path'] === undefined) === (fields['base64'] === undefined)) {
    throw invalidParams(`${where} must have exactly one of "path" (absolute) or "base64"`);
  }
  if (fields['path'] !== undefined) return { path: absolutePath(fields['path'], `${where}.path`) };
  const base64 = string(fields['base64'], `${where}.base64`);
  if (base64.length % 4 !== 0 || !BASE64.test(base64)) throw invalidParams(`${where}.base64 is not valid base64`);
  return { base64 };
};

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
} satisfies Record<keyof OptimizeOptions, Check<unknown>>;

export const optimizeOptions: Check<OptimizeOptions> = (value, where) => {
  const fields = record(value, where);
  onlyKnown(fields, Object.keys(OPTION_FIELDS), where);
  for (const [key, check] of Object.entries(OPTION_FIELDS)) optional<unknown>(fields, key, check, where);
  // Every field was type-checked above; enumerated values are the engine's to check (BadOption).
  return fields as OptimizeOptions;
};
