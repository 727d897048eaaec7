import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { OptimizeParams, VerifyParams, WatchStartParams } from '../../../src/protocol/index.js';
import type { ClientSettings, OutputNaming } from './settings.js';

/**
 * The params of each request the editor sends, built from absolute paths and the settings. The daemon does
 * not share the editor's working directory, so every path sent is absolute.
 */

/** Where the output of `inputPath` goes under the naming settings; never the input itself. */
export function outputPathFor(inputPath: string, naming: OutputNaming, workspaceRoot?: string): string {
  const name = basename(inputPath).replace(/\.wasm$/i, '');
  const fileName = naming.pattern.split('${name}').join(name);
  if (fileName.includes('/') || fileName.includes('\\')) {
    throw new Error(`atoll.output.naming must be a file name, not a path (use atoll.output.directory for a folder), got "${naming.pattern}"`);
  }
  const directory = naming.directory === '' ? dirname(inputPath) : isAbsolute(naming.directory) ? naming.directory : resolve(workspaceRoot ?? dirname(inputPath), naming.directory);
  const outputPath = join(directory, fileName);
  if (resolve(outputPath) === resolve(inputPath)) {
    throw new Error(`atoll.output.naming "${naming.pattern}" would overwrite the input ${inputPath}`);
  }
  return outputPath;
}

export function optimizeParams(inputPath: string, settings: ClientSettings, workspaceRoot?: string): OptimizeParams {
  return {
    input: { path: absolute(inputPath) },
    outputPath: outputPathFor(absolute(inputPath), settings.output, workspaceRoot),
    options: settings.optimize,
  };
}

export function verifyParams(basePath: string, candidatePath: string, settings: ClientSettings): VerifyParams {
  return {
    base: { path: absolute(basePath) },
    candidate: { path: absolute(candidatePath) },
    ...(settings.verifyTimeoutMs === undefined ? {} : { timeoutMs: settings.verifyTimeoutMs }),
  };
}

/**
 * Watch the configured paths (relative to the workspace folder) or, when none are configured, the whole
 * workspace folders. Outputs follow atoll.output.directory; the daemon names them name.opt.wasm.
 */
export function watchParams(workspaceRoots: readonly string[], settings: ClientSettings): WatchStartParams {
  if (workspaceRoots.length === 0 && settings.watch.paths.some((path) => !isAbsolute(path))) {
    throw new Error('atoll.watch.paths has relative paths but no workspace folder is open');
  }
  const paths =
    settings.watch.paths.length === 0
      ? [...workspaceRoots]
      : settings.watch.paths.flatMap((path) => (isAbsolute(path) ? [path] : workspaceRoots.map((root) => resolve(root, path))));
  if (paths.length === 0) throw new Error('nothing to watch: open a workspace folder or set atoll.watch.paths');
  const directory = settings.output.directory;
  return {
    paths,
    options: settings.optimize,
    ...(directory === '' ? {} : { outputDir: isAbsolute(directory) ? directory : resolve(workspaceRoots[0] ?? '.', directory) }),
    ...(settings.watch.debounceMs === undefined ? {} : { debounceMs: settings.watch.debounceMs }),
    ...(settings.watch.quick === undefined ? {} : { quick: settings.watch.quick }),
  };
}

function absolute(path: string): string {
  if (!isAbsolute(path)) throw new Error(`expected an absolute path, got "${path}"`);
  return path;
}
