#!/usr/bin/env node
import { packageVersionNear } from '../../src/protocol/index.js';
import { parseCommand, type Command } from './args.js';
import { cacheCommand } from './commands/cache.js';
import { daemonCommand } from './commands/daemon.js';
import { optimizeCommand } from './commands/optimize.js';
import { verifyCommand } from './commands/verify.js';
import { watchCommand } from './commands/watch.js';
import { daemonVanished } from './daemon-link.js';
import { CliFailure, ExitCode, UsageError } from './exit-codes.js';

function versions(): string {
  return [
    `atoll ${packageVersionNear(import.meta.url, 'atoll')}`,
    `binaryen ${packageVersionNear(import.meta.resolve('binaryen'), 'binaryen')}`,
    `z3-solver ${packageVersionNear(import.meta.resolve('z3-solver'), 'z3-solver')}`,
  ].join('\n');
}

function run(command: Command): Promise<ExitCode> {
  switch (command.name) {
    case 'help':
      process.stdout.write(command.text);
      return Promise.resolve(ExitCode.Ok);
    case 'version':
      process.stdout.write(`${versions()}\n`);
      return Promise.resolve(ExitCode.Ok);
    case 'optimize':
      return optimizeCommand(command);
    case 'verify':
      return verifyCommand(command);
    case 'watch':
      return watchCommand(command);
    case 'daemon':
      return daemonCommand(command);
    case 'cache':
      return cacheCommand(command);
  }
}

/** What went wrong, as the user should read it, with the exit code and the daemon's error code if any. */
function failure(error: unknown): { message: string; exitCode: ExitCode; code?: number } {
  // A request that failed because its daemon went away: what happened to the daemon is the news.
  error = daemonVanished() ?? error;
  if (error instanceof CliFailure) return { message: error.message, exitCode: error.exitCode, ...(error.code === undefined ? {} : { code: error.code }) };
  // Errors from the daemon carry a human message; anything else is a bug worth its stack.
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number') return { message: (error as Error).message, exitCode: ExitCode.Error, code };
  return { message: error instanceof Error ? (error.stack ?? error.message) : String(error), exitCode: ExitCode.Error };
}

async function main(argv: string[]): Promise<ExitCode> {
  // --json asks for JSON on stdout whatever happens, a mistake in the command line included.
  const json = argv.includes('--json');
  try {
    return await run(parseCommand(argv));
  } catch (error) {
    if (error instanceof UsageError) {
      const see = error.usage ?? `see atoll ${error.command ? `${error.command} ` : ''}--help\n`;
      process.stderr.write(`atoll: ${error.message}\n${see}`);
      if (json) process.stdout.write(`${JSON.stringify({ error: { message: error.message, exitCode: ExitCode.BadUsage } })}\n`);
      return ExitCode.BadUsage;
    }
    const { message, exitCode, code } = failure(error);
    process.stderr.write(`atoll: ${message}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: { message, exitCode, ...(code === undefined ? {} : { code }) } })}\n`);
    return exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
