import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rm, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { temporaryWriter, writeFileAtomic } from '../util/atomic-write.js';
import { sha256 } from '../wasm/ingest.js';

export interface StoredEntry {
  key: string;
  path: string;
  bytes: number;
  /** Last access (reads touch the file's mtime), in ms since the epoch. */
  accessedMs: number;
}

/** What a read found: an entry's bytes, nothing, or something that was no entry (removed now). */
export type StoreRead = { kind: 'entry'; bytes: Buffer } | { kind: 'absent' } | { kind: 'removed'; what: string };

export interface SweepResult {
  /** Temp files left by a writer that was killed mid-write. */
  staleTemps: number;
  /** Folders and entries whose mode was wider than 0700 / 0600. */
  modesFixed: number;
}

const HEX_KEY = /^[0-9a-f]{8,128}$/;
/** A temp file of a live writer this old is abandoned all the same (no write of a cache entry takes an hour). */
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;
const FOLDER_MODE = 0o700;
const ENTRY_MODE = 0o600;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * A folder of content-addressed files, `<root>/ab/abcdef….<ext>`. Writes are atomic (a temp file in the same
 * folder, then rename), so a reader sees either the old entry, the new one, or none — never half of one.
 * Proofs and outputs are the user's own data: folders are 0700 and entries 0600. Whatever sits where an
 * entry or a shard folder should be and is not one (a folder, a symbolic link, a FIFO, a file in a shard's
 * place) is removed and the entry written again; links are never followed.
 */
export class ContentStore {
  /** Shard folders made or checked by this process: later writes there skip the check. */
  private readonly readyFolders = new Set<string>();

  constructor(
    readonly root: string,
    private readonly extension: string,
  ) {}

  /** Keys that are not plain hex (e.g. from another hashing scheme) are hashed, so no key can escape root. */
  pathFor(key: string): string {
    const name = HEX_KEY.test(key) ? key : sha256(key);
    return join(this.root, name.slice(0, 2), `${name}.${this.extension}`);
  }

  async read(key: string): Promise<StoreRead> {
    const path = this.pathFor(key);
    let handle;
    try {
      // O_NONBLOCK: a FIFO planted at an entry's path must not hold a file-system thread.
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') return { kind: 'absent' };
      if (code === 'ELOOP') return this.removeObstacle(path, 'a symbolic link');
      if (code === 'ENOTDIR') return this.removeObstacle(dirname(path), 'a file in place of a shard folder');
      throw error;
    }
    let kind: string | undefined;
    try {
      const info = await handle.stat();
      if (info.isFile()) return { kind: 'entry', bytes: await handle.readFile() };
      kind = info.isDirectory() ? 'a folder' : 'not a regular file';
    } finally {
      await handle.close();
    }
    return this.removeObstacle(path, kind);
  }

  async write(key: string, data: Uint8Array | string): Promise<number> {
    const path = this.pathFor(key);
    const folder = dirname(path);
    try {
      if (!this.readyFolders.has(folder)) await this.prepareFolder(folder);
      await writeFileAtomic(path, data, { mode: ENTRY_MODE });
    } catch (error) {
      const code = errorCode(error);
      if (code !== 'EISDIR' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
      // A folder where the entry goes, or a file where its shard folder goes: clear the way, once.
      this.readyFolders.delete(folder);
      await rm(path, { recursive: true, force: true }).catch(() => undefined);
      await this.prepareFolder(folder);
      await writeFileAtomic(path, data, { mode: ENTRY_MODE });
    }
    return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  }

  /** Marks an entry as just used, for LRU eviction across restarts. */
  async touch(key: string): Promise<void> {
    const now = new Date();
    await utimes(this.pathFor(key), now, now).catch(() => undefined);
  }

  async remove(key: string): Promise<void> {
    await unlink(this.pathFor(key)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /** The regular-file entries (anything else in the folders is not listed). */
  async list(): Promise<StoredEntry[]> {
    const entries: StoredEntry[] = [];
    const suffix = `.${this.extension}`;
    for (const shard of await this.shards()) {
      const names = await readdir(join(this.root, shard)).catch(() => [] as string[]);
      for (const name of names) {
        if (!name.endsWith(suffix) || name.startsWith('.')) continue;
        const path = join(this.root, shard, name);
        const info = await lstat(path).catch(() => undefined);
        if (info?.isFile()) entries.push({ key: name.slice(0, -suffix.length), path, bytes: info.size, accessedMs: info.mtimeMs });
      }
    }
    return entries;
  }

  /**
   * Start-of-day housekeeping: removes temp files whose writer is gone (a SIGKILL mid-write) and narrows
   * folders to 0700 and entries to 0600 (caches written by older atoll versions had 0755 and 0644).
   */
  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { staleTemps: 0, modesFixed: 0 };
    const narrow = async (path: string, mode: number, current: number) => {
      if ((current & 0o777) === mode) return;
      await chmod(path, mode).then(() => result.modesFixed++, () => undefined);
    };
    const root = await lstat(this.root).catch(() => undefined);
    if (!root?.isDirectory()) return result;
    await narrow(this.root, FOLDER_MODE, root.mode);
    for (const shard of await this.shards()) {
      const folder = join(this.root, shard);
      const info = await lstat(folder).catch(() => undefined);
      if (!info?.isDirectory()) continue;
      await narrow(folder, FOLDER_MODE, info.mode);
      for (const name of await readdir(folder).catch(() => [] as string[])) {
        const path = join(folder, name);
        const entry = await lstat(path).catch(() => undefined);
        if (!entry?.isFile()) continue;
        const writer = temporaryWriter(name);
        if (writer === undefined) {
          await narrow(path, ENTRY_MODE, entry.mode);
        } else if (writer !== process.pid && (!isAlive(writer) || Date.now() - entry.mtimeMs > TEMP_MAX_AGE_MS)) {
          await unlink(path).then(() => result.staleTemps++, () => undefined);
        }
      }
    }
    return result;
  }

  async clear(): Promise<{ removedEntries: number; removedBytes: number }> {
    const entries = await this.list();
    await rm(this.root, { recursive: true, force: true });
    this.readyFolders.clear();
    return { removedEntries: entries.length, removedBytes: entries.reduce((sum, entry) => sum + entry.bytes, 0) };
  }

  /** The two-character shard folders (real folders only: a link in root is not followed). */
  private async shards(): Promise<string[]> {
    const found = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return found.filter((entry) => entry.isDirectory() && entry.name.length === 2).map((entry) => entry.name);
  }

  /** Makes root and the shard folder (0700), replacing anything at their paths that is not a folder. */
  private async prepareFolder(folder: string): Promise<void> {
    for (const path of [this.root, folder]) {
      const info = await lstat(path).catch(() => undefined);
      if (info && !info.isDirectory()) await rm(path, { recursive: true, force: true });
      if (!info?.isDirectory()) await mkdir(path, { recursive: true, mode: FOLDER_MODE });
    }
    this.readyFolders.add(folder);
  }

  private async removeObstacle(path: string, what: string): Promise<StoreRead> {
    this.readyFolders.delete(path.endsWith(`.${this.extension}`) ? dirname(path) : path);
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
    return { kind: 'removed', what };
  }
}
