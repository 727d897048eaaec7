import { createHash } from 'node:crypto';
import { AtollError, ErrorCodes } from '../protocol/errors.js';
import { declaredFeatures, type FeatureName } from './features.js';
import { readSections } from './sections.js';

export interface IngestedBytes {
  bytes: Uint8Array;
  sha256: string;
  /** Features named by the target_features section, or undefined when the module has none. */
  declared: FeatureName[] | undefined;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Checks bytes on the calling thread before any binaryen code sees them: a truncated module can abort
 * binaryen, which poisons its thread. Order matters for the message: header, then section framing, then
 * V8's own validator, whose message names the offending offset.
 */
export function ingestBytes(bytes: Uint8Array): IngestedBytes {
  readSections(bytes);
  if (!WebAssembly.validate(bytes)) {
    let reason = 'it does not validate';
    try {
      new WebAssembly.Module(bytes);
    } catch (error) {
      reason = error instanceof Error ? error.message.replace(/^WebAssembly\.Module\(\): /, '') : String(error);
    }
    throw new AtollError(ErrorCodes.InvalidWasm, `the module is not valid WebAssembly: ${reason}`);
  }
  return { bytes, sha256: sha256(bytes), declared: declaredFeatures(bytes) };
}
