import { CacheClearRequest, CacheStatsRequest } from '../../../src/protocol/index.js';
import type { Command } from '../args.js';
import { openDaemon } from '../daemon-link.js';
import { ExitCode } from '../exit-codes.js';
import { daemonFailure } from '../job.js';
import { cacheSummary } from '../summary.js';

/** Uses the running daemon, or a private one for this command: a cache command never leaves a daemon behind. */
export async function cacheCommand(command: Extract<Command, { name: 'cache' }>): Promise<ExitCode> {
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
