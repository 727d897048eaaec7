import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Create the folder (and its parents) when missing; default true. */
  createDirectory?: boolean;
  /** The file's permission bits (e.g. those of the file it replaces); default: 0666 less the umask. */
  mode?: number;
}

/** A temp file name beside `path`: same folder, so the same file system, so rename is atomic. */
export function tempPathBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes a file so that readers see the old content or the new, never a half-written one: a temp file in
 * the same folder, then rename over the target.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  if (options.createDirectory ?? true) await mkdir(dirname(path), { recursive: true });
  const temp = tempPathBeside(path);
  try {
    await writeFile(temp, data, { flag: 'wx' });
    // Set after writing: the mode given to open is cut by the umask.
    if (options.mode !== undefined) await chmod(temp, options.mode);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The pid of the process that wrote a temp file named by tempPathBeside, or undefined for any other name. */
export function temporaryWriter(fileName: string): number | undefined {
  const match = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(fileName);
  return match ? Number(match[1]) : undefined;
}
