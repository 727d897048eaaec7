import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI_MAIN, ROOT, tempHome, type TempHome } from '../../e2e/daemon-harness.js';
import type { DaemonCommand } from '../../../clients/vscode/src/settings.js';

/** The built CLI (npm run build) started as editors start it: `atoll daemon --stdio`. */
export const DEMO_WASM = join(ROOT, 'examples/demo.wasm');
export const FAST = { generations: 1, islands: 2, verify: 'off' } as const;
export const daemonCommandLine: DaemonCommand = { command: process.execPath, args: [CLI_MAIN, 'daemon', '--stdio'] };
export { ROOT };

/** A temp home (its own cache dir, so no test sees another's cached results) with a copy of examples/demo.wasm. */
export interface Workspace extends TempHome {
  demo: string;
}

export async function workspace(): Promise<Workspace> {
  const home = await tempHome();
  const demo = join(home.dir, 'demo.wasm');
  await copyFile(DEMO_WASM, demo);
  return { ...home, demo };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
