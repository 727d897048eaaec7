import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import type { OptimizeOptions, WatchStartParams } from '../../src/protocol/index.js';
import { UsageError } from './exit-codes.js';

/** Options every command that talks to a daemon accepts. */
export interface DaemonChoice {
  socket?: string;
  cacheDir?: string;
  noDaemon: boolean;
}

export interface OutputChoice {
  json: boolean;
  quiet: boolean;
}

export type Command =
  | { name: 'optimize'; input: string; output: string; proof?: string; options: OptimizeOptions; daemon: DaemonChoice; out: OutputChoice }
  | { name: 'watch'; watch: WatchStartParams; keepAlive: boolean; daemon: DaemonChoice; out: OutputChoice }
  | { name: 'verify'; base: string; candidate: string; proof?: string; timeoutMs?: number; features?: string[]; daemon: DaemonChoice; out: OutputChoice }
  | { name: 'daemon'; action: 'run' | 'start' | 'stop' | 'status'; stdio: boolean; daemon: DaemonChoice; out: OutputChoice }
  | { name: 'cache'; action: 'stats' | 'clear'; daemon: DaemonChoice; out: OutputChoice }
  | { name: 'help' };

const COMMON = {
  socket: { type: 'string' },
  'cache-dir': { type: 'string' },
  'no-daemon': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
} as const;

function integer(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} takes a non-negative integer, got "${text}"`);
  return Number(text);
}

function choice<T extends string>(flag: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!allowed.includes(text as T)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${text}"`);
  return text as T;
}

function list(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',').map((item) => item.trim()).filter(Boolean);
}

/** The optimize options, shared by optimize and watch. */
const OPTIMIZE_FLAGS = {
  islands: { type: 'string' },
  generations: { type: 'string' },
  seed: { type: 'string' },
  objective: { type: 'string' },
  topology: { type: 'string' },
  strategy: { type: 'string' },
  'multi-start': { type: 'boolean' },
  verify: { type: 'string' },
  'time-budget': { type: 'string' },
  features: { type: 'string' },
  'keep-names': { type: 'boolean' },
} as const;

function optimizeOptions(values: Record<string, string | boolean | undefined>): OptimizeOptions {
  const text = (flag: string) => values[flag] as string | undefined;
  return defined({
    islands: integer('--islands', text('islands')),
    generations: integer('--generations', text('generations')),
    seed: integer('--seed', text('seed')),
    objective: choice('--objective', text('objective'), ['size', 'instructions', 'cycles'] as const),
    topology: choice('--topology', text('topology'), ['ring', 'unconnected', 'fully-connected'] as const),
    strategy: choice('--strategy', text('strategy'), ['refine', 'pipeline', 'mixed'] as const),
    multiStart: values['multi-start'] as boolean | undefined,
    verify: choice('--verify', text('verify'), ['strict', 'report', 'off'] as const),
    timeBudgetMs: integer('--time-budget', text('time-budget')),
    features: list(text('features')),
    keepNames: values['keep-names'] as boolean | undefined,
  });
}

function positionals(command: string, values: string[], names: string[]): string[] {
  if (values.length !== names.length) {
    throw new UsageError(`atoll ${command} takes ${names.join(' ')}, got ${values.length ? values.map((v) => `"${v}"`).join(' ') : 'nothing'}`);
  }
  return values;
}

/** Drops the keys whose value is undefined, so only what the user gave travels to the daemon. */
function defined<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

function parse<const O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function common(values: Record<string, unknown>): { daemon: DaemonChoice; out: OutputChoice } {
  return {
    daemon: defined({
      socket: values['socket'] === undefined ? undefined : resolve(values['socket'] as string),
      cacheDir: values['cache-dir'] === undefined ? undefined : resolve(values['cache-dir'] as string),
      noDaemon: values['no-daemon'] as boolean,
    }),
    out: { json: values['json'] as boolean, quiet: values['quiet'] as boolean },
  };
}

export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  switch (name) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { name: 'help' };
    case 'optimize': {
      const { values, positionals: given } = parse(rest, { output: { type: 'string', short: 'o' }, proof: { type: 'string' }, ...OPTIMIZE_FLAGS });
      const [input] = positionals('optimize', given, ['IN']);
      if (values.output === undefined) throw new UsageError('atoll optimize needs -o OUT');
      return defined({
        name: 'optimize' as const,
        input: resolve(input!),
        output: resolve(values.output),
        proof: values.proof === undefined ? undefined : resolve(values.proof),
        options: optimizeOptions(values),
        ...common(values),
      });
    }
    case 'watch': {
      const { values, positionals: given } = parse(rest, {
        'out-dir': { type: 'string' },
        suffix: { type: 'string' },
        poll: { type: 'boolean' },
        ignore: { type: 'string' },
        debounce: { type: 'string' },
        'keep-alive': { type: 'boolean', default: false },
        ...OPTIMIZE_FLAGS,
      });
      if (given.length === 0) throw new UsageError('atoll watch takes at least one PATH (a .wasm file or a folder)');
      const watch: WatchStartParams = defined({
        paths: given.map((path) => resolve(path)),
        outputDir: values['out-dir'] === undefined ? undefined : resolve(values['out-dir']),
        suffix: values.suffix,
        poll: values.poll,
        ignore: list(values.ignore),
        debounceMs: integer('--debounce', values.debounce),
        options: optimizeOptions(values),
      });
      return { name: 'watch', watch, keepAlive: values['keep-alive'], ...common(values) };
    }
    case 'verify': {
      const { values, positionals: given } = parse(rest, { timeout: { type: 'string' }, features: { type: 'string' }, proof: { type: 'string' } });
      const [base, candidate] = positionals('verify', given, ['BASE', 'CANDIDATE']);
      return defined({
        name: 'verify' as const,
        base: resolve(base!),
        candidate: resolve(candidate!),
        proof: values.proof === undefined ? undefined : resolve(values.proof),
        timeoutMs: integer('--timeout', values.timeout),
        features: list(values.features),
        ...common(values),
      });
    }
    case 'daemon': {
      const { values, positionals: given } = parse(rest, { stdio: { type: 'boolean', default: false } });
      if (given.length > 1) throw new UsageError(`atoll daemon takes at most one of start, stop, status`);
      const action = given.length === 0 ? 'run' : choice('atoll daemon', given[0], ['start', 'stop', 'status'] as const)!;
      if (values.stdio && action !== 'run') throw new UsageError('--stdio runs a daemon in the foreground; it does not combine with start, stop or status');
      return { name: 'daemon', action, stdio: values.stdio, ...common(values) };
    }
    case 'cache': {
      const { values, positionals: given } = parse(rest, {});
      const [action] = positionals('cache', given, ['stats|clear']);
      return { name: 'cache', action: choice('atoll cache', action, ['stats', 'clear'] as const)!, ...common(values) };
    }
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}
