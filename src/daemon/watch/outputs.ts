import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { AtollError, ErrorCodes } from '../../protocol/errors.js';

const WASM = '.wasm';
const DEFAULT_SUFFIX_BESIDE = '.opt.wasm';
export const DEFAULT_IGNORE = ['node_modules', '.git'];

export interface OutputPlanConfig {
  /** The watched paths (files or folders), absolute. */
  roots: string[];
  outputDir?: string;
  suffix?: string;
  ignore?: string[];
}

function inside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Where each input's output goes, and which paths are never inputs: the daemon's own outputs (by name:
 * the suffix, or anything under the output folder) and the ignore list (names of files or folders anywhere
 * in the path, or absolute paths). Content written by the daemon is recognised separately (OwnOutputs).
 */
export class OutputPlan {
  readonly suffix: string;
  private readonly ignoreNames: Set<string>;
  private readonly ignorePaths: string[];

  constructor(private readonly config: OutputPlanConfig) {
    this.suffix = config.suffix ?? (config.outputDir ? WASM : DEFAULT_SUFFIX_BESIDE);
    if (!this.suffix.endsWith(WASM)) throw new AtollError(ErrorCodes.BadOption, `suffix must end in ".wasm", got "${this.suffix}"`);
    if (!config.outputDir && this.suffix === WASM) {
      throw new AtollError(ErrorCodes.BadOption, 'suffix ".wasm" beside the input would overwrite the input; give an output folder or another suffix');
    }
    const ignore = config.ignore ?? DEFAULT_IGNORE;
    this.ignoreNames = new Set(ignore.filter((entry) => !entry.startsWith(sep)));
    this.ignorePaths = ignore.filter((entry) => entry.startsWith(sep));
  }

  /** Outputs beside the input, or in the output folder under the input's path relative to its watched folder. */
  outputFor(input: string): string {
    const name = basename(input, WASM) + this.suffix;
    if (!this.config.outputDir) return join(dirname(input), name);
    const root = this.config.roots.filter((r) => r !== input && inside(input, r)).sort((a, b) => b.length - a.length)[0];
    return join(this.config.outputDir, root ? dirname(relative(root, input)) : '', name);
  }

  /** Paths not to descend into or watch at all (any kind of entry). */
  isExcluded(path: string): boolean {
    if (this.config.outputDir && inside(path, this.config.outputDir)) return true;
    if (this.ignorePaths.some((folder) => inside(path, folder))) return true;
    return path.split(sep).some((part) => this.ignoreNames.has(part));
  }

  /** Whether a file path is a watched input: a .wasm file that is neither excluded nor named like an output. */
  isInput(path: string): boolean {
    if (!path.endsWith(WASM) || this.isExcluded(path)) return false;
    return this.config.outputDir !== undefined || !path.endsWith(this.suffix);
  }
}

/**
 * The content the daemon wrote, per output path: a change event whose path and bytes match is the daemon
 * seeing its own write (e.g. an output folder inside the watched one under a name the pattern misses).
 */
export class OwnOutputs {
  private readonly written = new Map<string, string>();

  remember(path: string, sha256: string): void {
    this.written.set(path, sha256);
  }

  isOwn(path: string, sha256: string): boolean {
    return this.written.get(path) === sha256;
  }
}
