import { constants, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join, relative, sep } from 'node:path';
import { pidFilePath } from '../protocol/location.js';

/** Why this daemon will not serve the socket path it was given; main.ts prints the message and exits 1. */
export class CannotServeSocket extends Error {}

/** Another daemon answers on the socket: this one must not start. */
export class DaemonAlreadyRunning extends CannotServeSocket {
  constructor(
    readonly socketPath: string,
    readonly pid: number | undefined,
  ) {
    super(
      `another atoll daemon${pid === undefined ? '' : ` (pid ${pid})`} is already serving ${socketPath}; ` +
        'stop it with `atoll daemon stop`, or pass --socket PATH to run a second one',
    );
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** The pid in the pid file; never follows a symbolic link, never blocks on a FIFO put there. */
async function recordedPid(path: string): Promise<number | undefined> {
  try {
    const handle = await open(pidFilePath(path), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      if (!(await handle.stat()).isFile()) return undefined;
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(32), 0, 32, 0);
      const pid = Number.parseInt(buffer.subarray(0, bytesRead).toString('ascii'), 10);
      return Number.isInteger(pid) ? pid : undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Throws DaemonAlreadyRunning when a daemon answers on the socket; cheap, so it runs before the pools start. */
export async function refuseIfServed(path: string): Promise<void> {
  if (await answers(path)) throw new DaemonAlreadyRunning(path, await recordedPid(path));
}

const FIX = 'pass --socket PATH in a folder that is yours and that only you can write to (e.g. `mkdir -m 700 ~/.atoll-run`)';

/**
 * The socket's folder, made if missing (mode 0700, and only the folders made here get that chmod), then
 * checked: it must be a folder owned by this user that neither group nor others can write to. In a folder
 * others can write, another user could swap the socket or plant a symbolic link at the pid file's path.
 */
export async function prepareSocketFolder(folder: string): Promise<void> {
  let firstCreated: string | undefined;
  let info: Stats;
  try {
    firstCreated = await mkdir(folder, { recursive: true, mode: 0o700 });
    if (firstCreated !== undefined) {
      // The umask may have cleared bits of 0700 (it never adds any): the folders made here get exactly 0700.
      let path = firstCreated;
      await chmod(path, 0o700);
      for (const part of relative(firstCreated, folder).split(sep).filter(Boolean)) {
        path = join(path, part);
        await chmod(path, 0o700);
      }
    }
    info = await stat(folder);
  } catch (error) {
    throw new CannotServeSocket(`cannot make the socket's folder ${folder}: ${(error as Error).message}; ${FIX}`);
  }
  const uid = process.getuid?.();
  const problem = !info.isDirectory()
    ? 'is not a folder'
    : uid !== undefined && info.uid !== uid
      ? `belongs to another user (uid ${info.uid})`
      : (info.mode & 0o022) !== 0
        ? `can be written by ${info.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(info.mode & 0o7777).toString(8)})`
        : undefined;
  if (problem) throw new CannotServeSocket(`refusing to put the daemon's socket in ${folder}: that folder ${problem}; ${FIX}`);
}

function kindOf(info: Stats): string {
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isDirectory()) return 'a folder';
  if (info.isFile()) return 'a regular file';
  return 'not a socket';
}

/** Removes a socket nobody answers on (a daemon that died); anything else at the path is left alone and refused. */
async function removeStaleSocket(path: string): Promise<void> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return;
  if (!info.isSocket()) {
    throw new CannotServeSocket(`refusing to use ${path} as the daemon's socket: it is ${kindOf(info)}, which atoll never deletes; remove it yourself or pass another --socket PATH`);
  }
  await unlink(path).catch(() => undefined);
}

/**
 * Writes the pid file beside the socket as a new file renamed into place: a symbolic link (or anything else)
 * at that path is replaced, never followed, so no other file can be overwritten through it.
 */
async function writePidFile(socketPath: string): Promise<void> {
  const path = pidFilePath(socketPath);
  const temp = `${path}.${process.pid}.tmp`;
  await unlink(temp).catch(() => undefined);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(`${process.pid}\n`);
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new CannotServeSocket(`cannot write the pid file ${path}: ${(error as Error).message}`);
  }
}

export interface SocketListener {
  server: Server;
  /** Stops accepting, removes the socket and the pid file (only if they are still this daemon's). */
  close(): Promise<void>;
}

/**
 * Listens on a unix socket (mode 0600 from its first instant) in a folder checked by prepareSocketFolder.
 * A socket file nobody answers on is a leftover of a daemon that died: it is replaced. A socket that answers
 * belongs to a live daemon: DaemonAlreadyRunning, naming its pid from the pid file beside it. Anything else
 * at the path is refused (CannotServeSocket).
 */
export async function listenOnSocket(path: string, onConnection: (socket: Socket) => void): Promise<SocketListener> {
  await prepareSocketFolder(dirname(path));
  const server = createServer(onConnection);
  for (let attempt = 0; ; attempt++) {
    await refuseIfServed(path);
    await removeStaleSocket(path);
    // The socket is created with the umask's mode: make it owner-only from its first instant.
    const umask = process.umask(0o177);
    try {
      await listen(server, path);
      break;
    } catch (error) {
      // Lost a race with a daemon that started at the same moment: check again who answers.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 0) throw error;
    } finally {
      process.umask(umask);
    }
  }
  const ours = await lstat(path);
  await writePidFile(path);
  return {
    server,
    async close() {
      // Not awaited: server.close() waits for every client to hang up, and the process is about to exit.
      server.close();
      if ((await recordedPid(path)) === process.pid) {
        await unlink(pidFilePath(path)).catch(() => undefined);
      }
      // Only the socket this daemon made: a later daemon may have replaced it.
      const now = await lstat(path).catch(() => undefined);
      if (now?.isSocket() && now.ino === ours.ino) await unlink(path).catch(() => undefined);
    },
  };
}
