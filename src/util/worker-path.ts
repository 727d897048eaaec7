import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled file of a worker module. Worker threads load plain JavaScript, so when the caller itself runs
 * from TypeScript sources (vitest), the worker is taken from the build output in dist/, which `npm test`
 * builds first. `relative` is the worker's path relative to the caller, with a .js ending.
 */
export function workerPath(callerUrl: string, relative: string): string {
  const url = new URL(relative, callerUrl);
  let path = fileURLToPath(url);
  if (callerUrl.endsWith('.ts')) {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    path = path.replace(root, `${root}dist/`);
  }
  if (!existsSync(path)) {
    throw new Error(`worker file ${path} is missing: run \`npm run build\` first`);
  }
  return path;
}
