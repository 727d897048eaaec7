import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the daemon and its clients meet. These rules are part of the protocol: every client must find the
 * socket of the daemon that a CLI started, with no configuration.
 */
export type Environment = Record<string, string | undefined>;

/** `$ATOLL_CACHE_DIR`, else `$XDG_CACHE_HOME/atoll`, else `~/.cache/atoll`. */
export function defaultCacheDir(env: Environment = process.env): string {
  if (env['ATOLL_CACHE_DIR']) return env['ATOLL_CACHE_DIR'];
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'atoll');
  return join(env['HOME'] || homedir(), '.cache', 'atoll');
}

/**
 * `$XDG_RUNTIME_DIR/atoll/daemon.sock`, else `<cache dir>/run/daemon.sock`. An explicit cache dir (flag or
 * ATOLL_CACHE_DIR) keeps the socket inside it, so separate cache dirs mean separate daemons.
 */
export function defaultSocketPath(env: Environment = process.env, cacheDir?: string): string {
  if (cacheDir === undefined && !env['ATOLL_CACHE_DIR'] && env['XDG_RUNTIME_DIR']) {
    return join(env['XDG_RUNTIME_DIR'], 'atoll', 'daemon.sock');
  }
  return join(cacheDir ?? defaultCacheDir(env), 'run', 'daemon.sock');
}

/** The pid file sits beside the socket: `daemon.sock` → `daemon.pid`. */
export function pidFilePath(socketPath: string): string {
  return socketPath.replace(/\.sock$/, '') + '.pid';
}

/** The log file of a daemon started in the background by a client. */
export function daemonLogPath(cacheDir: string): string {
  return join(cacheDir, 'daemon.log');
}

/** The daemon main thread's V8 heap ceiling, MiB, unless ATOLL_DAEMON_HEAP_MB says otherwise. */
export const DEFAULT_DAEMON_HEAP_MB = 4096;

/**
 * Node's options for a daemon process: its main thread's heap ceiling (README: "Memory"). Every client that
 * starts a daemon passes these, so the ceiling is the documented one and not whatever V8 derives from the
 * machine's memory.
 */
export function daemonNodeOptions(env: Environment = process.env): string[] {
  const asked = Number(env['ATOLL_DAEMON_HEAP_MB']);
  const mb = Number.isInteger(asked) && asked >= 256 ? asked : DEFAULT_DAEMON_HEAP_MB;
  return [`--max-old-space-size=${mb}`];
}
