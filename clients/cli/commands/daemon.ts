import { spawn } from 'node:child_process';
import { DaemonStopRequest, StatusRequest } from '../../../src/protocol/index.js';
import type { Command } from '../args.js';
import { connectToSocket, daemonProcessArgs, socketPathFor, startBackgroundDaemon, trySocket } from '../daemon-link.js';
import { CliFailure, ExitCode } from '../exit-codes.js';
import { statusSummary } from '../summary.js';

type DaemonCommand = Extract<Command, { name: 'daemon' }>;

/** `atoll daemon [--stdio]`: the daemon in the foreground, as a child sharing this terminal's stdio. */
function runInForeground(command: DaemonCommand): Promise<ExitCode> {
  const transport = command.stdio ? ['--stdio'] : ['--socket', socketPathFor(command.daemon)];
  const child = spawn(process.execPath, daemonProcessArgs(transport, command.daemon), { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.once('exit', (code) => resolve((code ?? ExitCode.Error) as ExitCode)));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Until the process itself has exited (its socket goes first, its workers after). */
async function waitUntilExited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
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
      const { pid } = link.server;
      await link.connection.sendRequest(DaemonStopRequest.type);
      link.connection.dispose();
      if (!(await waitUntilExited(pid, 15_000))) throw new CliFailure(`the daemon (pid ${pid}) on ${socketPath} did not exit within 15 s`, ExitCode.Error);
      process.stderr.write(`atoll: stopped the daemon on ${socketPath} (pid ${pid} has exited)\n`);
      return ExitCode.Ok;
    }
    case 'status': {
      const link = await connectToSocket(command.daemon, false);
      if (!link) throw new CliFailure(`no daemon is running on ${socketPath}`, ExitCode.Error);
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
