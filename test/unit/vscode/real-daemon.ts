import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DaemonCommand } from '../../../clients/vscode/src/settings.js';

/** The built CLI (npm run build) started as editors start it: `atoll daemon --stdio`. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI_MAIN = join(ROOT, 'dist/clients/cli/main.js');
export const DEMO_WASM = join(ROOT, 'examples/demo.wasm');
export const FAST = { generations: 1, islands: 2, verify: 'off' } as const;

export const daemonCommandLine: DaemonCommand = { command: process.execPath, args: [CLI_MAIN, 'daemon', '--stdio'] };

export interface Workspace {
  dir: string;
  /** A copy of examples/demo.wasm inside the workspace. */
  demo: string;
  /** The daemon's environment: its own cache dir, so no test sees another's cached results. */
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export async function workspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'atoll-editor-'));
  const demo = join(dir, 'demo.wasm');
  await copyFile(DEMO_WASM, demo);
  const env = { ...process.env, ATOLL_CACHE_DIR: join(dir, 'cache') };
  return { dir, demo, env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
