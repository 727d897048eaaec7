import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that readers see the old content or the new, never a half-written one: a temp file in
 * the same folder (same file system, so rename is atomic), then rename over the target.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: { mode?: number } = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, temporaryName(basename(path)));
  try {
    // 'wx': the temp name is new; never write through something already there.
    await writeFile(temp, data, { flag: 'wx', ...(options.mode === undefined ? {} : { mode: options.mode }) });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** `.<name>.<pid>.<random>.tmp`: the writer's pid lets a later process tell a temp file left by a killed writer. */
export function temporaryName(name: string): string {
  return `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** The pid of the process that wrote a temp file named by temporaryName, or undefined for any other name. */
export function temporaryWriter(fileName: string): number | undefined {
  const match = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(fileName);
  return match ? Number(match[1]) : undefined;
}
