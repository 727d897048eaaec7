import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import type { ModuleSource } from '../protocol/module-source.js';

/** The default largest input module, 128 MiB: well above real modules (the largest of the corpus is 2 MB). */
export const DEFAULT_MAX_INPUT_BYTES = 128 * 1024 * 1024;

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function inputTooLarge(what: string, bytes: number, maxBytes: number): AtollError {
  return new AtollError(
    ErrorCodes.InputTooLarge,
    `${what} is ${mib(bytes)}, more than this daemon's input limit of ${mib(maxBytes)} (ATOLL_MAX_INPUT_MB in the daemon's environment raises it)`,
    { bytes, maxBytes },
  );
}

/**
 * A regular file's bytes, at most `maxBytes`. Opened without blocking (O_NONBLOCK: opening a FIFO nobody
 * writes to would otherwise hold one of the few file-system threads, and with it every other client's reads)
 * and checked with fstat on the open descriptor, so a FIFO, a device (/dev/zero) or a directory is refused
 * before a byte is read. Errors of open itself (ENOENT, EACCES) propagate as they are.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Uint8Array> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new AtollError(ErrorCodes.FileNotFound, `${path} is ${kindOf(info)}: atoll reads modules only from regular files`, { path });
    }
    if (info.size > maxBytes) throw inputTooLarge(path, info.size, maxBytes);
    // Exactly the size fstat gave: a file that grows meanwhile is read as it was (the watcher re-reads it).
    const bytes = new Uint8Array(info.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === bytes.length ? bytes : bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

function unreadable(path: string, error: NodeJS.ErrnoException): AtollError {
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    ENXIO: 'it is a socket or a device without a reader',
    ELOOP: 'too many symbolic links',
  };
  return new AtollError(ErrorCodes.FileNotFound, `cannot read ${path}: ${reasons[error.code ?? ''] ?? error.message}`, { path });
}

export async function readModuleSource(source: ModuleSource, maxBytes: number = DEFAULT_MAX_INPUT_BYTES): Promise<Uint8Array> {
  if ('base64' in source) {
    // Checked before decoding: 4 characters of base64 carry 3 bytes.
    const decodedBytes = Math.floor((source.base64.length * 3) / 4);
    if (decodedBytes > maxBytes) throw inputTooLarge('the base64 module', decodedBytes, maxBytes);
    return new Uint8Array(Buffer.from(source.base64, 'base64'));
  }
  try {
    return await readRegularFile(source.path, maxBytes);
  } catch (error) {
    if (error instanceof AtollError) throw error;
    throw unreadable(source.path, error as NodeJS.ErrnoException);
  }
}


/** How many inputs' worth of bytes a proof file may hold (base64 donor modules of assembly steps). */
export const PROOF_FILE_INPUTS = 8;

/**
 * A certificate file as JSON (its content is checked by the engine, which trusts none of it), read as inputs
 * are: a regular file only, at most `maxBytes` (a certificate of an assembled output carries its donor
 * modules, so the caller allows it a few inputs' worth).
 */
export async function readProofFile(path: string, maxBytes: number): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, maxBytes);
  } catch (error) {
    if (error instanceof AtollError) throw error;
    throw unreadable(path, error as NodeJS.ErrnoException);
  }
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch (error) {
    throw new AtollError(ErrorCodes.BadOption, `the proof file ${path} is not JSON: ${(error as Error).message}`, { path });
  }
}
