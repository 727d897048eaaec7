import { chmod, mkdir, readFile, lstat, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnDaemon, tempHome, waitForPidFile, waitForSocket, type TempHome } from './daemon-harness.js';

/** issue #12, "Paths": where the daemon puts its socket and pid file, and what it does to what is there. */

let home: TempHome;
beforeEach(async () => {
  home = await tempHome();
});
afterEach(async () => {
  await home.cleanup();
});

const mode = async (path: string) => (await stat(path)).mode & 0o7777;

async function refused(socket: string): Promise<string> {
  const daemon = spawnDaemon(home, ['--socket', socket, '--solver-threads', '1']);
  expect(await daemon.exited).toBe(1);
  return daemon.stderr();
}

async function served(socket: string): Promise<void> {
  const daemon = spawnDaemon(home, ['--socket', socket, '--solver-threads', '1']);
  await waitForSocket(socket, daemon);
  await waitForPidFile(socket.replace(/\.sock$/, '.pid'), daemon.child.pid);
  daemon.child.kill('SIGTERM');
  expect(await daemon.exited).toBe(0);
}

describe('socket and pid paths', () => {
  it.each([
    ['everyone', 0o1777],
    ['its group', 0o770],
  ])('refuses a socket folder %s can write to, names the fix, and leaves its mode alone', async (who, folderMode) => {
    const shared = join(home.dir, 'shared');
    await mkdir(shared);
    await chmod(shared, folderMode);
    const stderr = await refused(join(shared, 'daemon.sock'));
    expect(stderr).toContain(`refusing to put the daemon's socket in ${shared}: that folder can be written by ${who}`);
    expect(stderr).toMatch(/pass --socket PATH in a folder that is yours/);
    expect(await mode(shared)).toBe(folderMode);
  });

  it('does not chmod a folder it did not make, even through a symbolic link', async () => {
    const real = join(home.dir, 'real');
    await mkdir(real);
    await chmod(real, 0o755);
    await symlink(real, join(home.dir, 'link'));
    await served(join(home.dir, 'link', 'daemon.sock'));
    expect(await mode(real)).toBe(0o755);
  });

  it('makes the folders it creates 0700, whatever the umask', async () => {
    const umask = process.umask(0);
    try {
      await served(join(home.dir, 'made', 'here', 'daemon.sock'));
    } finally {
      process.umask(umask);
    }
    expect(await mode(join(home.dir, 'made'))).toBe(0o700);
    expect(await mode(join(home.dir, 'made', 'here'))).toBe(0o700);
  });

  it('never deletes a regular file at the socket path', async () => {
    const socket = join(home.dir, 'daemon.sock');
    await writeFile(socket, 'my notes');
    const stderr = await refused(socket);
    expect(stderr).toContain(`refusing to use ${socket} as the daemon's socket: it is a regular file, which atoll never deletes`);
    expect(await readFile(socket, 'utf8')).toBe('my notes');
  });

  it('replaces a symbolic link at the pid file path instead of writing through it', async () => {
    const precious = join(home.dir, 'precious.txt');
    await writeFile(precious, 'keep me');
    await symlink(precious, join(home.dir, 'daemon.pid'));
    await served(join(home.dir, 'daemon.sock'));
    expect(await readFile(precious, 'utf8')).toBe('keep me');
    // The daemon removed its own pid file on the way out; no link is left pointing at anything.
    await expect(lstat(join(home.dir, 'daemon.pid'))).rejects.toThrow(/ENOENT/);
  });
});
