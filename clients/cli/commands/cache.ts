import { CacheClearRequest, CacheStatsRequest, CacheVerifyRequest, type CacheVerifyResult } from '../../../src/protocol/index.js';
import type { Command } from '../args.js';
import { openDaemon } from '../daemon-link.js';
import { ExitCode } from '../exit-codes.js';
import { daemonFailure, runDaemonJob } from '../job.js';
import { cacheSummary } from '../summary.js';

type CacheCommand = Extract<Command, { name: 'cache' }>;

function verifySummary(result: CacheVerifyResult): string {
  const lines = [
    `checked ${result.checked} cached proofs again (of ${result.examined} entries read): ${result.confirmed} confirmed, ${result.failed.length} removed` +
      (result.withoutEvidence > 0 ? `; ${result.withoutEvidence} proved entries carry no evidence to check (written by an older atoll)` : ''),
  ];
  for (const failure of result.failed) {
    const verdict = failure.verdict;
    const why = !failure.keyMatches
      ? 'its evidence does not hash to its key'
      : `checked again: ${verdict?.status}${verdict?.status === 'unknown' ? ` (${verdict.reason}${verdict.detail ? `: ${verdict.detail}` : ''})` : ''}`;
    lines.push(`  ${failure.key.slice(0, 16)}…  claimed ${failure.claimed}, ${why}`);
  }
  return lines.join('\n');
}

/** `atoll cache verify`: a job like optimize (progress, Ctrl-C); exit 0 when every proof checked held up, 1 when one did not. */
async function verifyCache(command: CacheCommand): Promise<ExitCode> {
  const result = await runDaemonJob(command.daemon, command.out, (connection, workDoneToken, cancel) =>
    connection.sendRequest(CacheVerifyRequest.type, { workDoneToken, ...(command.sample === undefined ? {} : { sample: command.sample }) }, cancel),
  );
  if (!command.out.quiet || command.out.json) process.stdout.write(command.out.json ? `${JSON.stringify(result, null, 2)}\n` : `${verifySummary(result)}\n`);
  return result.failed.length === 0 ? ExitCode.Ok : ExitCode.Error;
}

/**
 * stats and clear use the running daemon, or a private one for this command: they never leave a daemon behind.
 * verify is a job: like optimize, it starts a daemon in the background when none answers.
 */
export async function cacheCommand(command: CacheCommand): Promise<ExitCode> {
  if (command.action === 'verify') return verifyCache(command);
  const link = await openDaemon(command.daemon, { background: false });
  try {
    if (command.action === 'stats') {
      const stats = await link.connection.sendRequest(CacheStatsRequest.type);
      process.stdout.write(command.out.json ? `${JSON.stringify(stats, null, 2)}\n` : `${cacheSummary(stats)}\n`);
    } else {
      const cleared = await link.connection.sendRequest(CacheClearRequest.type, {});
      process.stdout.write(
        command.out.json ? `${JSON.stringify(cleared)}\n` : `removed ${cleared.removedEntries} entries (${cleared.removedBytes} bytes)\n`,
      );
    }
  } catch (error) {
    throw daemonFailure(error);
  } finally {
    await link.close();
  }
  return ExitCode.Ok;
}
