#!/usr/bin/env node
import { parseCommand, type Command } from './args.js';
import { cacheCommand } from './commands/cache.js';
import { daemonCommand } from './commands/daemon.js';
import { optimizeCommand } from './commands/optimize.js';
import { verifyCommand } from './commands/verify.js';
import { watchCommand } from './commands/watch.js';
import { CliFailure, ExitCode, UsageError } from './exit-codes.js';
import { USAGE } from './usage.js';

function run(command: Command): Promise<ExitCode> {
  switch (command.name) {
    case 'help':
      process.stdout.write(USAGE);
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

async function main(): Promise<ExitCode> {
  try {
    return await run(parseCommand(process.argv.slice(2)));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`atoll: ${error.message}\n\n${USAGE}`);
      return ExitCode.BadUsage;
    }
    if (error instanceof CliFailure) {
      process.stderr.write(`atoll: ${error.message}\n`);
      return error.exitCode;
    }
    // Errors from the daemon carry a human message; anything else is a bug worth its stack.
    const isDaemonError = typeof (error as { code?: unknown }).code === 'number';
    process.stderr.write(`atoll: ${isDaemonError ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
    return ExitCode.Error;
  }
}

process.exitCode = await main();
