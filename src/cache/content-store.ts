import { readdir, readFile, rm, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { sha256 } from '../wasm/ingest.js';

export interface StoredEntry {
  key: string;
  path: string;
  bytes: number;
  /** Last access (reads touch the file's mtime), in ms since the epoch. */
  accessedMs: number;
}

const HEX_KEY = /^[0-9a-f]{8,128}$/;

/**
 * A folder of content-addressed files, `<root>/ab/abcdef….<ext>`. Writes are atomic (a temp file in the same
 * folder, then rename), so a reader sees either the old entry, the new one, or none — never half of one.
 * Folders are created 0700: proofs and outputs are the user's own data.
 */
export class ContentStore {
  constructor(
    readonly root: string,
    private readonly extension: string,
  ) {}

  /** Keys that are not plain hex (e.g. from another hashing scheme) are hashed, so no key can escape root. */
  pathFor(key: string): string {
    const name = HEX_KEY.test(key) ? key : sha256(key);
    return join(this.root, name.slice(0, 2), `${name}.${this.extension}`);
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathFor(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(key: string, data: Uint8Array | string): Promise<number> {
    await writeFileAtomic(this.pathFor(key), data);
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

  async list(): Promise<StoredEntry[]> {
    const entries: StoredEntry[] = [];
    const suffix = `.${this.extension}`;
    let shards: string[];
    try {
      shards = await readdir(this.root);
    } catch {
      return entries;
    }
    for (const shard of shards) {
      let names: string[];
      try {
        names = await readdir(join(this.root, shard));
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.endsWith(suffix)) continue;
        const path = join(this.root, shard, name);
        const info = await stat(path).catch(() => undefined);
        if (info) entries.push({ key: name.slice(0, -suffix.length), path, bytes: info.size, accessedMs: info.mtimeMs });
      }
    }
    return entries;
  }

  async clear(): Promise<{ removedEntries: number; removedBytes: number }> {
    const entries = await this.list();
    await rm(this.root, { recursive: true, force: true });
    return { removedEntries: entries.length, removedBytes: entries.reduce((sum, entry) => sum + entry.bytes, 0) };
  }
}
