import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOutputPath, fileProblem, writeOutput } from '../../../src/daemon/output-file.js';
import { ErrorCodes } from '../../../src/protocol/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atoll-output-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(path: string, checks = {}): Promise<{ code: number; message: string; data: { problem: string } }> {
  try {
    await checkOutputPath(path, checks);
  } catch (error) {
    return error as { code: number; message: string; data: { problem: string } };
  }
  throw new Error(`${path} was accepted`);
}

describe('output paths, checked before the job', () => {
  it('takes a new name in an existing folder and writes it atomically', async () => {
    const target = await checkOutputPath(join(dir, 'out.wasm'));
    await writeOutput(target, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(join(dir, 'out.wasm')))]).toEqual([1, 2, 3]);
  });

  it('refuses a FIFO and leaves it a FIFO', async () => {
    const fifo = join(dir, 'pipe.wasm');
    execFileSync('mkfifo', [fifo]);
    const error = await refusal(fifo);
    expect(error.code).toBe(ErrorCodes.OutputFailed);
    expect(error.message).toBe(`cannot write ${fifo}: it is a named pipe (FIFO); atoll replaces only regular files`);
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it('refuses a character device and a folder, with sentences', async () => {
    expect((await refusal('/dev/null')).message).toBe('cannot write /dev/null: it is a character device; atoll replaces only regular files');
    expect((await refusal(dir)).message).toMatch(/: it is a folder; name a file in it/);
  });

  it('refuses the input itself unless asked, even under another name (a hard link)', async () => {
    const input = join(dir, 'in.wasm');
    await writeFile(input, 'x');
    expect((await refusal(input, { inputPath: input })).data.problem).toBe('is-input');
    const other = join(dir, 'link.wasm');
    execFileSync('ln', [input, other]);
    expect((await refusal(other, { inputPath: input })).data.problem).toBe('is-input');
    await expect(checkOutputPath(input, { inputPath: input, overwriteInput: true })).resolves.toMatchObject({ writePath: input });
  });

  it('refuses a missing folder, or creates it when asked', async () => {
    const deep = join(dir, 'a', 'b', 'out.wasm');
    const error = await refusal(deep);
    expect(error.message).toBe(`cannot write ${deep}: the folder ${join(dir, 'a', 'b')} does not exist`);
    expect(error.data.problem).toBe('missing-folder');
    await checkOutputPath(deep, { createDirectories: true });
    expect((await stat(join(dir, 'a', 'b'))).isDirectory()).toBe(true);
  });

  it('refuses a place that takes no new files (/proc) before any work', async () => {
    const error = await refusal('/proc/x.wasm');
    expect(error.message).toBe('cannot write /proc/x.wasm: cannot create a file in /proc: the file system does not take new files there');
  });

  it("keeps the mode of the file it replaces, and writes through a symbolic link", async () => {
    const real = join(dir, 'real.wasm');
    await writeFile(real, 'old');
    await chmod(real, 0o640);
    const link = join(dir, 'link.wasm');
    await symlink(real, link);
    await writeOutput(await checkOutputPath(link), new Uint8Array([9]));
    expect((await stat(real)).mode & 0o777).toBe(0o640);
    expect([...(await readFile(real))]).toEqual([9]);
    expect(await readlink(link)).toBe(real);
  });

  it('turns errno codes into sentences without the syscall noise', () => {
    expect(fileProblem(Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: 'EACCES' }))).toBe('permission denied');
    expect(fileProblem(Object.assign(new Error("EROFS: read-only file system, open '/x'"), { code: 'EROFS' }))).toBe('the file system is read-only');
    expect(fileProblem(Object.assign(new Error("EWHAT: something odd, rename '/a' -> '/b'"), { code: 'EWHAT' }))).toBe('something odd');
  });
});

