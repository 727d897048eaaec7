import { VerifyRequest, type VerifyReport } from '../../../src/protocol/index.js';
import type { Command } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { runDaemonJob } from '../job.js';
import { verifySummary } from '../summary.js';

export function verifyExitCode(report: VerifyReport): ExitCode {
  if (report.totals.refuted > 0) return ExitCode.Refuted;
  if (report.totals.unknown > 0 || !report.module.accepted) return ExitCode.Incomplete;
  return ExitCode.Ok;
}

export async function verifyCommand(command: Extract<Command, { name: 'verify' }>): Promise<ExitCode> {
  const report = await runDaemonJob(command.daemon, command.out, (connection, workDoneToken, cancel) =>
    connection.sendRequest(
      VerifyRequest,
      {
        base: { path: command.base },
        candidate: { path: command.candidate },
        ...(command.timeoutMs === undefined ? {} : { timeoutMs: command.timeoutMs }),
        ...(command.features === undefined ? {} : { features: command.features }),
        ...(command.proof === undefined ? {} : { proofPath: command.proof }),
        workDoneToken,
      },
      cancel,
    ),
  );
  if (command.out.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (!command.out.quiet) process.stdout.write(`${verifySummary(command.base, command.candidate, report)}\n`);
  return verifyExitCode(report);
}
