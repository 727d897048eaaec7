import { CacheClearRequest, CacheStatsRequest, CacheVerifyRequest, type CacheVerifyResult } from '../../../src/protocol/index.js';
import type { Command } from '../args.js';
import { openDaemon } from '../daemon-link.js';
import { ExitCode } from '../exit-codes.js';
import { runDaemonJob } from '../job.js';
import { cacheSummary } from '../summary.js';

type CacheCommand = Extract<Command, { name: 'cache' }>;

function verifySummary(result: CacheVerifyResult): string {
  const lines = [
    `checked ${result.checked} cached proofs again (of ${result.examined} entries read): ${result.confirmed} confirmed, ${result.failed.length} removed` +
      (result.withoutEvidence > 0 ? `; ${result.withoutEvidence} proved entries carry no evidence to check (written by an older atoll)` : ''),
  ];
  for (const failure of result.failed) {
    const why = failure.keyMatches ? `checked again: ${failure.verdict?.status}${failure.verdict?.status === 'unknown' ? ` (${failure.verdict.reason})` : ''}` : 'its evidence does not hash to its key';
    lines.push(`  ${failure.key.slice(0, 16)}…  claimed ${failure.claimed}, ${why}`);
  }
  return lines.join('\n');
}

/** `atoll cache verify`: exit 0 when every proof checked held up, 1 when one did not (it was removed). */
async function verifyCache(command: CacheCommand): Promise<ExitCode> {
  const result = await runDaemonJob(command.daemon, command.out, (connection, workDoneToken, cancel) =>
    connection.sendRequest(CacheVerifyRequest, { workDoneToken, ...(command.sample === undefined ? {} : { sample: command.sample }) }, cancel),
  );
  process.stdout.write(command.out.json ? `${JSON.stringify(result, null, 2)}\n` : `${verifySummary(result)}\n`);
  return result.failed.length === 0 ? ExitCode.Ok : ExitCode.Error;
}

export async function cacheCommand(command: CacheCommand): Promise<ExitCode> {
  if (command.action === 'verify') return verifyCache(command);
  const link = await openDaemon(command.daemon);
  try {
    if (command.action === 'stats') {
      const stats = await link.connection.sendRequest(CacheStatsRequest);
      process.stdout.write(command.out.json ? `${JSON.stringify(stats, null, 2)}\n` : `${cacheSummary(stats)}\n`);
    } else {
      const cleared = await link.connection.sendRequest(CacheClearRequest, {});
      process.stdout.write(
        command.out.json ? `${JSON.stringify(cleared)}\n` : `removed ${cleared.removedEntries} entries (${cleared.removedBytes} bytes)\n`,
      );
    }
  } finally {
    await link.close();
  }
  return ExitCode.Ok;
}
