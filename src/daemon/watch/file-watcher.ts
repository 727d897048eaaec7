import type { Stats } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';

export type FileEvent = 'add' | 'change' | 'unlink';

export interface FileWatcherConfig {
  paths: string[];
  poll: boolean;
  /** Entries never watched (folders are not descended into). */
  isExcluded: (path: string) => boolean;
  /** Files that are inputs; events on other files are dropped. */
  isInput: (path: string) => boolean;
  /** Files there when the watch starts (before `ready`) come as `initial`. */
  onEvent: (event: FileEvent | 'initial', path: string) => void;
  onError: (error: Error) => void;
}

/** Polling interval when asked to poll (network and container mounts, where fs events do not arrive). */
const POLL_INTERVAL_MS = 100;

/**
 * chokidar over folders and files, filtered to inputs by a function (chokidar has no globs since v4).
 * Writes are not awaited here (no awaitWriteFinish): settling and validity are the Settler's job, which
 * checks the bytes themselves. `atomic` folds a quick unlink + add of the same file into one change.
 */
export class FileWatcher {
  private readonly watcher: FSWatcher;
  private isReady = false;
  readonly ready: Promise<string[]>;

  constructor(config: FileWatcherConfig) {
    const initial: string[] = [];
    this.watcher = watch(config.paths, {
      ignoreInitial: false,
      usePolling: config.poll,
      interval: POLL_INTERVAL_MS,
      binaryInterval: POLL_INTERVAL_MS,
      atomic: true,
      persistent: true,
      ignored: (path: string, stats?: Stats) => config.isExcluded(path) || (stats?.isFile() === true && !config.isInput(path)),
    });
    for (const event of ['add', 'change', 'unlink'] as const) {
      this.watcher.on(event, (path: string) => {
        if (!config.isInput(path)) return;
        if (event === 'add' && !this.isReady) initial.push(path);
        config.onEvent(event === 'add' && !this.isReady ? 'initial' : event, path);
      });
    }
    this.watcher.on('error', (error) => config.onError(error as Error));
    this.ready = new Promise((resolve) =>
      this.watcher.once('ready', () => {
        this.isReady = true;
        resolve(initial.sort());
      }),
    );
  }

  close(): Promise<void> {
    return this.watcher.close();
  }
}
