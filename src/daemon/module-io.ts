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


/** A certificate file as JSON (its content is checked by the engine, which trusts none of it). */
export async function readProofFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new AtollError(ErrorCodes.FileNotFound, `cannot read ${path}: ${reason}`, { path });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AtollError(ErrorCodes.BadOption, `the proof file ${path} is not JSON: ${(error as Error).message}`, { path });
  }
}
