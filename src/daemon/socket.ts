import { chmod, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { pidFilePath } from '../protocol/location.js';

/** Another daemon answers on the socket: this one must not start. */
export class DaemonAlreadyRunning extends Error {
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

async function recordedPid(path: string): Promise<number | undefined> {
  const text = await readFile(pidFilePath(path), 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) ? pid : undefined;
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

export interface SocketListener {
  server: Server;
  /** Stops accepting, removes the socket and the pid file (only if they are still this daemon's). */
  close(): Promise<void>;
}

/**
 * Listens on a unix socket in a folder only this user can enter (0700), with the socket itself 0600.
 * A socket file nobody answers on is a leftover of a daemon that died: it is replaced. A socket that
 * answers belongs to a live daemon: DaemonAlreadyRunning, naming its pid from the pid file beside it.
 */
export async function listenOnSocket(path: string, onConnection: (socket: Socket) => void): Promise<SocketListener> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  const server = createServer(onConnection);
  for (let attempt = 0; ; attempt++) {
    await refuseIfServed(path);
    await unlink(path).catch(() => undefined);
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
  await writeFile(pidFilePath(path), `${process.pid}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return {
    server,
    async close() {
      // Not awaited: server.close() waits for every client to hang up, and the process is about to exit.
      server.close();
      if ((await recordedPid(path)) === process.pid) {
        await unlink(pidFilePath(path)).catch(() => undefined);
      }
      await unlink(path).catch(() => undefined);
    },
  };
}
