import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempPathBeside } from '../util/atomic-write.js';

const KEY_BYTES = 32;

/** The secret key's file in a cache directory. */
export const KEY_FILE = 'secret.key';

/** The key, or why the file at `path` cannot be trusted as one (undefined: there is none). */
function readKey(path: string): Buffer | string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') return 'is a symbolic link';
    throw error;
  }
  try {
    const info = fstatSync(fd);
    const uid = process.getuid?.();
    if (!info.isFile()) return 'is not a regular file';
    if (uid !== undefined && info.uid !== uid) return `belongs to another user (uid ${info.uid})`;
    if ((info.mode & 0o077) !== 0) return `can be read or written by others (mode ${(info.mode & 0o777).toString(8)})`;
    if (info.size !== KEY_BYTES) return `holds ${info.size} bytes, not ${KEY_BYTES}`;
    const key = Buffer.alloc(KEY_BYTES);
    return readSync(fd, key, 0, KEY_BYTES, 0) === KEY_BYTES ? key : 'could not be read whole';
  } finally {
    closeSync(fd);
  }
}

/**
 * A fresh random key written to a new 0600 file, then put in place: linked (a key another process made
 * first wins, so two daemons starting at once agree) or, to replace an untrusted file, renamed over it.
 */
function writeKey(path: string, replace: boolean): void {
  const temp = tempPathBeside(path);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, randomBytes(KEY_BYTES));
  } finally {
    closeSync(fd);
  }
  if (replace) {
    renameSync(temp, path);
    return;
  }
  try {
    linkSync(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
}

/**
 * Authenticates cache entries with HMAC-SHA256 under a secret key only this user can read
 * (`<cache dir>/secret.key`, mode 0600, made at first use). An entry whose MAC does not verify was not
 * written by atoll under this key for this entry key (edited, truncated, copied from another entry's path,
 * or written by some other program) and is treated as absent. A plain checksum would not do: whoever can
 * write an entry can write its checksum too.
 */
export class EntryAuthenticator {
  private constructor(private readonly key: Buffer) {}

  /** The authenticator of a cache directory, its key file made (or replaced, when untrustworthy) here. */
  static forDirectory(directory: string, log: (line: string) => void = () => undefined): EntryAuthenticator {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const path = join(directory, KEY_FILE);
    let found = readKey(path);
    if (typeof found === 'string') {
      log(`the cache key ${path} ${found}: it is replaced by a new key, so every cached entry counts as absent and is computed again`);
      writeKey(path, true);
      found = readKey(path);
    } else if (found === undefined) {
      writeKey(path, false);
      found = readKey(path);
    }
    if (!Buffer.isBuffer(found)) throw new Error(`cannot use the cache key ${path}: it ${found ?? 'is missing'}`);
    return new EntryAuthenticator(found);
  }

  /** The MAC of an entry: its key and its parts, each length-prefixed so that no two entries share an input. */
  mac(entryKey: string, ...parts: Array<string | Uint8Array>): string {
    const hmac = createHmac('sha256', this.key);
    for (const part of [entryKey, ...parts]) {
      hmac.update(`${typeof part === 'string' ? Buffer.byteLength(part) : part.byteLength}:`);
      hmac.update(part);
    }
    return hmac.digest('hex');
  }

  verifies(mac: unknown, entryKey: string, ...parts: Array<string | Uint8Array>): boolean {
    if (typeof mac !== 'string' || mac.length !== 64) return false;
    return timingSafeEqual(Buffer.from(mac, 'utf8'), Buffer.from(this.mac(entryKey, ...parts), 'utf8'));
  }
}
