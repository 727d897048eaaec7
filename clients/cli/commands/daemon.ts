import { spawn } from 'node:child_process';
import { DaemonStopRequest, StatusRequest } from '../../../src/protocol/index.js';
import type { Command } from '../args.js';
import { connectToSocket, DAEMON_MAIN, daemonArgs, socketPathFor, startBackgroundDaemon, trySocket } from '../daemon-link.js';
import { ExitCode } from '../exit-codes.js';
import { statusSummary } from '../summary.js';

type DaemonCommand = Extract<Command, { name: 'daemon' }>;

/** `atoll daemon [--stdio]`: the daemon in the foreground, as a child sharing this terminal's stdio. */
function runInForeground(command: DaemonCommand): Promise<ExitCode> {
  const transport = command.stdio ? ['--stdio'] : ['--socket', socketPathFor(command.daemon)];
  const child = spawn(process.execPath, [DAEMON_MAIN, ...transport, ...daemonArgs(command.daemon)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.once('exit', (code) => resolve((code ?? ExitCode.Error) as ExitCode)));
}

async function waitUntilGone(socketPath: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const socket = await trySocket(socketPath);
    if (!socket) return true;
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

export async function daemonCommand(command: DaemonCommand): Promise<ExitCode> {
  const socketPath = socketPathFor(command.daemon);
  switch (command.action) {
    case 'run':
      return runInForeground(command);
    case 'start': {
      const running = await trySocket(socketPath);
      if (running) {
        running.destroy();
        process.stderr.write(`atoll: a daemon is already running on ${socketPath}\n`);
        return ExitCode.Ok;
      }
      (await startBackgroundDaemon(command.daemon, socketPath)).destroy();
      return ExitCode.Ok;
    }
    case 'stop': {
      const link = await connectToSocket(command.daemon, false);
      if (!link) {
        process.stderr.write(`atoll: no daemon is running on ${socketPath}\n`);
        return ExitCode.Ok;
      }
      await link.connection.sendRequest(DaemonStopRequest.type);
      link.connection.dispose();
      if (!(await waitUntilGone(socketPath, 15_000))) {
        process.stderr.write(`atoll: the daemon on ${socketPath} did not stop within 15 s\n`);
        return ExitCode.Error;
      }
      process.stderr.write(`atoll: stopped the daemon on ${socketPath}\n`);
      return ExitCode.Ok;
    }
    case 'status': {
      const link = await connectToSocket(command.daemon, false);
      if (!link) {
        process.stderr.write(`atoll: no daemon is running on ${socketPath}\n`);
        return ExitCode.Error;
      }
      try {
        const status = await link.connection.sendRequest(StatusRequest.type);
        process.stdout.write(command.out.json ? `${JSON.stringify(status, null, 2)}\n` : `${statusSummary(status)}\n`);
      } finally {
        await link.close();
      }
      return ExitCode.Ok;
    }
  }
}
