import { stat } from 'node:fs/promises';
import { sha256 as hashOf } from '../../wasm/ingest.js';
import type { WatchCause } from '../../protocol/watch.js';
import { readRegularFile } from '../module-io.js';
import type { FileEvent } from './file-watcher.js';

/** What a burst of events on one path came to, once it settled. */
export type Settled =
  | { kind: 'content'; path: string; cause: Exclude<WatchCause, 'unlink'>; bytes: Uint8Array; sha256: string }
  | { kind: 'unlink'; path: string }
  | { kind: 'unreadable'; path: string; cause: Exclude<WatchCause, 'unlink'>; message: string };

export interface SettlerConfig {
  debounceMs: number;
  /**
   * How long bytes that are not a complete, valid module wait for a further write before they are built
   * anyway (and reported as the error they are): a writer that pauses mid-file is not a build.
   */
  incompleteGraceMs: number;
  /** Whether files there at start are built. */
  initial: boolean;
  /** Largest input read (a larger one is reported as unreadable). */
  maxInputBytes: number;
  /** Content the daemon itself wrote at this path. */
  isOwn: (path: string, sha256: string) => boolean;
  /** This content was the last built from this path and its output is still there: nothing to do. */
  isUpToDate: (path: string, sha256: string) => Promise<boolean>;
  /** Called once per settled burst; a path's next burst waits until this returns (no overlapping builds). */
  onSettled: (settled: Settled) => Promise<void>;
  /** A burst settled while the path's build ran: the build is for content that is no longer there. */
  onSuperseded?: (path: string) => void;
}

interface PathState {
  timer?: NodeJS.Timeout;
  /** The first event of the burst not yet built (undefined: nothing pending). */
  burst?: FileEvent | 'initial';
  building: boolean;
  /** Events arrived while building: settle again when the build ends. */
  dirty: boolean;
  /** The path exists as an input as far as this watch knows (decides add vs change, and whether unlink is news). */
  exists: boolean;
  /** The current content was found incomplete once and given its grace period. */
  graceGiven: boolean;
}

/** Two looks at size and mtime this far apart, with the read between them, must agree. */
const STABILITY_GAP_MS = 40;

type Snapshot = { bytes: Uint8Array } | { missing: true } | { unstable: true };

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The file's bytes if they did not change while being read; errors other than a missing file propagate. */
async function snapshot(path: string, maxBytes: number): Promise<Snapshot> {
  try {
    const before = await stat(path);
    await new Promise((resolve) => setTimeout(resolve, STABILITY_GAP_MS));
    const bytes = await readRegularFile(path, maxBytes);
    const after = await stat(path);
    const stable = before.size === after.size && before.mtimeMs === after.mtimeMs && bytes.length === after.size;
    return stable ? { bytes } : { unstable: true };
  } catch (error) {
    if (isMissing(error)) return { missing: true };
    throw error;
  }
}

/**
 * Debounce and coalesce per path: every event restarts the path's quiet timer; when it expires the file is
 * read once its size and mtime hold still, so a burst of writes gives one build of the last content. A
 * path never has two builds at once: events during a build mark it dirty and it settles again afterwards.
 * Bytes that are not a valid module wait for the next write (see incompleteGraceMs). An unlink followed by
 * an add within the quiet time (an atomic save) reads as one change.
 */
export class Settler {
  private readonly paths = new Map<string, PathState>();
  private stopped = false;

  constructor(private readonly config: SettlerConfig) {}

  event(event: FileEvent | 'initial', path: string): void {
    if (this.stopped) return;
    const state = this.state(path);
    state.graceGiven = false;
    if (event === 'initial' && !this.config.initial) {
      state.exists = true;
      return;
    }
    state.burst ??= event;
    this.schedule(path, state, this.config.debounceMs);
  }

  stop(): void {
    this.stopped = true;
    for (const state of this.paths.values()) clearTimeout(state.timer);
  }

  private state(path: string): PathState {
    let state = this.paths.get(path);
    if (!state) {
      state = { building: false, dirty: false, exists: false, graceGiven: false };
      this.paths.set(path, state);
    }
    return state;
  }

  private schedule(path: string, state: PathState, ms: number): void {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => void this.settle(path, state), ms);
  }

  private async settle(path: string, state: PathState): Promise<void> {
    if (this.stopped || state.burst === undefined) return;
    if (state.building) {
      state.dirty = true;
      this.config.onSuperseded?.(path);
      return;
    }
    const cause = state.burst === 'initial' ? 'initial' : state.exists ? 'change' : 'add';
    let content: Snapshot;
    try {
      content = await snapshot(path, this.config.maxInputBytes);
    } catch (error) {
      state.burst = undefined;
      return this.config.onSettled({ kind: 'unreadable', path, cause, message: (error as Error).message });
    }
    if (this.stopped) return;
    if ('unstable' in content) return this.schedule(path, state, this.config.debounceMs);
    if ('missing' in content) {
      state.burst = undefined;
      if (!state.exists) return;
      state.exists = false;
      return this.config.onSettled({ kind: 'unlink', path });
    }
    const sha256 = hashOf(content.bytes);
    // Content, not time, decides (as in esbuild): a write of the bytes last built, or a late event of a
    // write already built, is no rebuild.
    if (this.config.isOwn(path, sha256) || (await this.config.isUpToDate(path, sha256))) {
      state.burst = undefined;
      return;
    }
    // V8 may reject a module only for a feature it lacks: after the grace period the engine decides.
    if (!WebAssembly.validate(content.bytes) && !state.graceGiven) {
      state.graceGiven = true;
      return this.schedule(path, state, this.config.incompleteGraceMs);
    }
    state.burst = undefined;
    state.exists = true;
    state.building = true;
    try {
      await this.config.onSettled({ kind: 'content', path, cause, bytes: content.bytes, sha256 });
    } finally {
      state.building = false;
      if (state.dirty) {
        state.dirty = false;
        this.schedule(path, state, 0);
      }
    }
  }
}
