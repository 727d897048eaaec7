import { VerifyRequest } from '../../../src/protocol/index.js';
import type { Command } from '../args.js';
import type { ExitCode } from '../exit-codes.js';
import { runDaemonJob } from '../job.js';
import { verifyExitCode, verifySummary } from '../summary.js';

export async function verifyCommand(command: Extract<Command, { name: 'verify' }>): Promise<ExitCode> {
  const report = await runDaemonJob(command.daemon, command.out, (connection, workDoneToken, cancel) =>
    connection.sendRequest(
      VerifyRequest.type,
      {
        base: { path: command.base },
        candidate: { path: command.candidate },
        ...(command.timeoutMs === undefined ? {} : { timeoutMs: command.timeoutMs }),
        ...(command.functionTimeMs === undefined ? {} : { functionTimeMs: command.functionTimeMs }),
        ...(command.features === undefined ? {} : { features: command.features }),
        ...(command.proof === undefined ? {} : { proofPath: command.proof }),
        workDoneToken,
      },
      cancel,
    ),
  );
  if (command.out.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (!command.out.quiet) process.stdout.write(`${verifySummary(command.base, command.candidate, report, command.out.verbose)}\n`);
  return verifyExitCode(report);
}
