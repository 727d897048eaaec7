import { argon2Browser } from './argon2-browser.js';
import { asSha256 } from './as-sha256.js';
import { brotli } from './brotli.js';
import { assemblyScriptKit, sqliteO0, sqliteO2 } from './generated.js';
import { gofmt } from './gofmt.js';
import { hashWasmArgon2, hashWasmBlake3, hashWasmCrc32, hashWasmSha256 } from './hash-wasm.js';
import type { Host, Workload } from './host.js';
import { runIsolated } from './isolated.js';
import { oniguruma } from './oniguruma.js';
import { rabin } from './rabin.js';
import { sqlJs } from './sql-js.js';
import { treeSitterJavascript, treeSitterRuntime } from './tree-sitter.js';

export type { Host, SizeClass, Workload } from './host.js';

/** Every workload, smallest modules first. */
export const workloads: readonly Workload[] = [
  assemblyScriptKit,
  asSha256,
  rabin,
  hashWasmCrc32,
  hashWasmSha256,
  hashWasmBlake3,
  hashWasmArgon2,
  argon2Browser,
  gofmt,
  treeSitterRuntime,
  treeSitterJavascript,
  oniguruma,
  sqlJs,
  brotli,
  sqliteO2,
  sqliteO0,
];

function toHost({ transcript: _inProcess, ...workload }: Workload): Host {
  return { ...workload, run: (bytes) => runIsolated(workload.name, bytes) };
}

export const hosts: readonly Host[] = workloads.map(toHost);

export function hostNamed(name: string): Host {
  const host = hosts.find((h) => h.name === name);
  if (!host) throw new Error(`no host named ${name}; known: ${hosts.map((h) => h.name).join(', ')}`);
  return host;
}
