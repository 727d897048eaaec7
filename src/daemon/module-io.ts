import { readFile } from 'node:fs/promises';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import type { ModuleSource } from '../protocol/module-source.js';

export async function readModuleSource(source: ModuleSource): Promise<Uint8Array> {
  if ('base64' in source) return new Uint8Array(Buffer.from(source.base64, 'base64'));
  try {
    return new Uint8Array(await readFile(source.path));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new AtollError(ErrorCodes.FileNotFound, `cannot read ${source.path}: ${reason}`, { path: source.path });
  }
}

