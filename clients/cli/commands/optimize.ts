import { OptimizeRequest } from '../../../src/protocol/index.js';
import type { Command } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { runDaemonJob } from '../job.js';
import { optimizeSummary } from '../summary.js';

export async function optimizeCommand(command: Extract<Command, { name: 'optimize' }>): Promise<ExitCode> {
  const result = await runDaemonJob(command.daemon, command.out, (connection, workDoneToken, cancel) =>
    connection.sendRequest(
      OptimizeRequest.type,
      {
        input: { path: command.input },
        outputPath: command.output,
        ...(command.inPlace ? { overwriteInput: true } : {}),
        ...(command.createDirectories ? { createDirectories: true } : {}),
        ...(command.proof ? { proofPath: command.proof } : {}),
        options: command.options,
        workDoneToken,
      },
      cancel,
    ),
  );
  if (command.out.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (!command.out.quiet) process.stdout.write(`${optimizeSummary(command.input, command.output, result.report, command.out.verbose)}\n`);
  return ExitCode.Ok;
}
