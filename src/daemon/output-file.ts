import { access, constants, mkdir, open, realpath, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import { tempPathBeside, writeFileAtomic } from '../util/atomic-write.js';

/** An output path that was checked before the job: where to write and with which mode. */
export interface OutputTarget {
  /** As the request named it. */
  path: string;
  /** Where the bytes go: the path with symbolic links resolved, so a link to the output keeps pointing at it. */
  writePath: string;
  /** The permission bits of the file being replaced. */
  mode?: number;
}

export interface OutputChecks {
  /** The input file, when it is one: the output may be it only with `overwriteInput`. */
  inputPath?: string;
  overwriteInput?: boolean;
  /** Create missing folders (now, before the job); otherwise a missing folder is an error. */
  createDirectories?: boolean;
}

/** A sentence for a file system error code, without the syscall noise of Node's messages. */
export function fileProblem(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'ENOSPC':
      return 'no space is left on the device';
    case 'EDQUOT':
      return 'the disk quota is exhausted';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ELOOP':
      return 'the path has a loop of symbolic links';
    case 'EBUSY':
    case 'ETXTBSY':
      return 'the file is busy';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many files are open';
    default:
      return (message ?? String(error)).replace(/^[A-Z]+: /, '').replace(/, \w+ '[^']*'( -> '[^']*')?$/, '');
  }
}

function refuse(path: string, reason: string, problem: string): never {
  throw new AtollError(ErrorCodes.OutputFailed, `cannot write ${path}: ${reason}`, { path, problem });
}

const statOrMissing = (path: string): Promise<Stats | undefined> =>
  stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });

function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Everything about an output path that can be known before a job runs, so that a bad path fails at once and
 * not after minutes of work: only a regular file (replaced, keeping its mode) or a new name; never the input
 * unless asked; the folder must exist (or is created when asked) and take a new file (a probe file is created
 * and removed, which catches permissions, read-only and pseudo file systems alike).
 */
export async function checkOutputPath(path: string, checks: OutputChecks = {}): Promise<OutputTarget> {
  let existing: Stats | undefined;
  try {
    existing = await statOrMissing(path);
  } catch (error) {
    refuse(path, fileProblem(error), 'unreadable');
  }
  if (existing?.isDirectory()) refuse(path, 'it is a folder; name a file in it, e.g. ' + `${path.replace(/\/$/, '')}/out.wasm`, 'folder');
  if (existing && !existing.isFile()) refuse(path, `it is ${kindOf(existing)}; atoll replaces only regular files`, 'not-regular');
  if (existing && checks.inputPath !== undefined) {
    const input = await statOrMissing(checks.inputPath).catch(() => undefined);
    if (input && input.dev === existing.dev && input.ino === existing.ino && !checks.overwriteInput) {
      refuse(path, 'it is the input file itself; ask for in-place output explicitly to replace it', 'is-input');
    }
  }
  const writePath = existing ? await realpath(path) : path;
  const folder = dirname(writePath);
  const folderInfo = await statOrMissing(folder).catch((error: unknown) => refuse(path, `its folder ${folder}: ${fileProblem(error)}`, 'folder-unreadable'));
  if (!folderInfo) {
    if (!checks.createDirectories) refuse(path, `the folder ${folder} does not exist`, 'missing-folder');
    await mkdir(folder, { recursive: true }).catch((error: unknown) => refuse(path, `cannot create the folder ${folder}: ${fileProblem(error)}`, 'mkdir'));
  } else if (!folderInfo.isDirectory()) {
    refuse(path, `${folder} is not a folder`, 'folder-not-folder');
  }
  if (existing) {
    await access(writePath, constants.W_OK).catch(() => refuse(path, 'the file is read-only', 'read-only'));
  }
  const probe = tempPathBeside(writePath);
  try {
    await (await open(probe, 'wx')).close();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file system does not take new files there' : fileProblem(error);
    refuse(path, `cannot create a file in ${folder}: ${reason}`, 'not-writable');
  }
  await rm(probe, { force: true });
  return { path, writePath, ...(existing ? { mode: existing.mode & 0o7777 } : {}) };
}

/** Atomic, so a reader of the output (a dev server, a watcher) never sees half a module. */
export async function writeOutput(target: OutputTarget, bytes: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(target.writePath, bytes, { createDirectory: false, ...(target.mode === undefined ? {} : { mode: target.mode }) });
  } catch (error) {
    refuse(target.path, fileProblem(error), 'write');
  }
}
