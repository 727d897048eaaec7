import { Objectives, SearchStrategies, Topologies, VerifyModes, type OptimizeOptions } from '../../../src/protocol/index.js';

/**
 * The extension's settings turned into what the daemon takes. No `vscode` import: VS Code's
 * WorkspaceConfiguration (for the `atoll` section) is one SettingsSource, a plain object in tests is another.
 */
export interface SettingsSource {
  get<T>(key: string): T | undefined;
}

export interface DaemonCommand {
  command: string;
  args: string[];
}

export interface OutputNaming {
  /** File name of the output; `${name}` is the input's name without `.wasm`. */
  pattern: string;
  /** Folder for outputs, absolute or relative to the workspace folder; empty means beside the input. */
  directory: string;
}

export interface ClientSettings {
  daemon: DaemonCommand;
  optimize: OptimizeOptions;
  output: OutputNaming;
  verifyTimeoutMs: number | undefined;
  watch: { paths: string[]; debounceMs: number | undefined; quick: boolean | undefined };
}

/** A setting whose value has the wrong type: the message names the setting and the value found. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`atoll settings: ${problems.join('; ')}`);
    this.name = 'SettingsError';
  }
}

/** `atoll.daemonPath` names a command (`atoll`) or the CLI's JavaScript entry, which node runs. */
export function daemonCommand(daemonPath: string, nodePath: string, extraArgs: readonly string[]): DaemonCommand {
  const args = ['daemon', '--stdio', ...extraArgs];
  return /\.[cm]?js$/.test(daemonPath) ? { command: nodePath, args: [daemonPath, ...args] } : { command: daemonPath, args };
}

/**
 * Reads every setting. Only types are checked here; ranges (islands 1..64, …) are the daemon's to check, and
 * it answers with a message naming the option, so the two can never disagree.
 */
export function readSettings(source: SettingsSource): ClientSettings {
  const problems: string[] = [];
  const read = new SettingReader(source, problems);
  const optimize: OptimizeOptions = {};
  const assign = <K extends keyof OptimizeOptions>(key: K, value: OptimizeOptions[K] | undefined) => {
    if (value !== undefined) optimize[key] = value;
  };
  assign('islands', read.integer('optimize.islands'));
  assign('generations', read.integer('optimize.generations'));
  assign('seed', read.integer('optimize.seed'));
  assign('objective', read.oneOf('optimize.objective', Objectives));
  assign('topology', read.oneOf('optimize.topology', Topologies));
  assign('strategy', read.oneOf('optimize.strategy', SearchStrategies));
  assign('verify', read.oneOf('optimize.verify', VerifyModes));
  assign('timeBudgetMs', read.integer('optimize.timeBudgetMs'));
  assign('keepNames', read.boolean('optimize.keepNames'));
  const features = read.strings('optimize.features');
  if (features !== undefined && features.length > 0) optimize.features = features;

  const settings: ClientSettings = {
    daemon: daemonCommand(read.string('daemonPath') || 'atoll', read.string('nodePath') || 'node', read.strings('daemonArgs') ?? []),
    optimize,
    output: { pattern: read.string('output.naming') || '${name}.opt.wasm', directory: read.string('output.directory') ?? '' },
    verifyTimeoutMs: read.integer('verification.timeoutMs'),
    watch: { paths: read.strings('watch.paths') ?? [], debounceMs: read.integer('watch.debounceMs'), quick: read.boolean('watch.quick') },
  };
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** Typed access to one setting at a time; unset (undefined or null) is "use the daemon's default". */
class SettingReader {
  constructor(
    private readonly source: SettingsSource,
    private readonly problems: string[],
  ) {}

  private value(key: string): unknown {
    const value = this.source.get<unknown>(key);
    return value === null ? undefined : value;
  }

  private wrong(key: string, expected: string, value: unknown): undefined {
    this.problems.push(`atoll.${key} must be ${expected}, got ${JSON.stringify(value)}`);
    return undefined;
  }

  integer(key: string): number | undefined {
    const value = this.value(key);
    if (value === undefined || Number.isInteger(value)) return value as number | undefined;
    return this.wrong(key, 'an integer', value);
  }

  boolean(key: string): boolean | undefined {
    const value = this.value(key);
    if (value === undefined || typeof value === 'boolean') return value;
    return this.wrong(key, 'true or false', value);
  }

  string(key: string): string | undefined {
    const value = this.value(key);
    if (value === undefined || typeof value === 'string') return value;
    return this.wrong(key, 'a string', value);
  }

  strings(key: string): string[] | undefined {
    const value = this.value(key);
    if (value === undefined || (Array.isArray(value) && value.every((item) => typeof item === 'string'))) return value as string[] | undefined;
    return this.wrong(key, 'an array of strings', value);
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.value(key);
    if (value === undefined || allowed.includes(value as T)) return value as T | undefined;
    return this.wrong(key, `one of ${allowed.join(', ')}`, value);
  }
}
