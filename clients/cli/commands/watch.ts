import { relative } from 'node:path';
import {
  LogMessageNotification,
  MessageType,
  quickRebuildKind,
  WatchResultNotification,
  WatchStartRequest,
  WatchStopRequest,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
  type WatchResultParams,
} from '../../../src/protocol/index.js';
import type { Command } from '../args.js';
import { openDaemon } from '../daemon-link.js';
import { CliFailure, ExitCode } from '../exit-codes.js';
import { daemonFailure } from '../job.js';
import { ProgressView } from '../progress-view.js';
import { Style, styler } from '../style.js';

const paint = styler(process.stdout);

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

function ms(value: number): string {
  return value < 1000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;
}

/** Rebuilds shorter than this show no progress, only their line. */
const LONG_REBUILD_MS = 2000;

/** One line per rebuild, esbuild-style: the cause, what came of it, and how long it took. */
export function watchLine(result: WatchResultParams): string {
  const head = `[watch] ${result.cause}: ${shown(result.path)}`;
  if (result.cause === 'unlink') return `${head} ${paint(Style.dim, '(deleted; its output is left in place)')}`;
  if (result.error) return `${head} ${paint(Style.red, `failed: ${result.error.message}`)} (${ms(result.ms)})`;
  const s = result.summary!;
  const change = ((s.outputBytes - s.inputBytes) / s.inputBytes) * 100;
  const verdicts =
    s.verifiedStatus === 'unverified'
      ? paint(Style.yellow, 'unverified')
      : `${paint(s.verifiedStatus === 'proved' ? Style.green : Style.yellow, `${s.proved} proved`)}, ${s.unknown} unknown` +
        `${s.refuted ? `, ${s.refuted} refuted` : ''}; ${s.reused} verdicts reused, ${s.verified} new`;
  const cache = s.fromResultCache ? paint(Style.dim, ' (result cache)') : '';
  // A quick answer patches the previous output or replays its pipeline; the final one (the search's) follows.
  const quick = result.stage === 'quick' ? paint(Style.dim, ` [quick: ${quickRebuildKind(result)}, full rebuild follows]`) : '';
  return `${head} → ${shown(result.outputPath!)} ${s.inputBytes} → ${s.outputBytes} B (${change > 0 ? '+' : ''}${change.toFixed(1)}%), ${verdicts}${cache}${quick} (${ms(result.ms)})`;
}

/** Resolves when the user is done: Ctrl-C, or stdin closing (unless --keep-alive). */
function untilStopped(keepAlive: boolean): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('interrupted'));
    if (keepAlive) return;
    process.stdin.once('end', () => resolve('stdin closed'));
    process.stdin.once('close', () => resolve('stdin closed'));
    process.stdin.resume();
  });
}

export async function watchCommand(command: Extract<Command, { name: 'watch' }>): Promise<ExitCode> {
  const link = await openDaemon(command.daemon);
  const { connection } = link;
  // Progress of long rebuilds: the daemon asks for a token per rebuild; a bar (or a few plain lines) shows
  // once a rebuild has run a while, and goes before the rebuild's own line is printed.
  const views = new Set<ProgressView>();
  connection.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
    const view = new ProgressView({ quiet: command.out.quiet || command.out.json, showAfterMs: LONG_REBUILD_MS });
    views.add(view);
    const subscription = connection.onProgress(WorkDoneProgress.type, token, (value) => {
      if (value.kind === 'begin') view.prefix = `${shown(value.title.replace(/^atoll rebuild /, ''))}: `;
      view.update(value);
      if (value.kind === 'end') {
        views.delete(view);
        subscription.dispose();
      }
    });
    return null;
  });
  const clearViews = () => views.forEach((view) => view.clear());
  connection.onNotification(WatchResultNotification.type, (result) => {
    clearViews();
    if (command.out.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (!command.out.quiet || result.error) process.stdout.write(`${watchLine(result)}\n`);
  });
  connection.onNotification(LogMessageNotification.type, ({ type, message }) => {
    if (command.out.quiet || type > MessageType.Warning) return;
    clearViews();
    process.stderr.write(`atoll: ${message}\n`);
  });
  const lost = new Promise<never>((_, reject) =>
    connection.onClose(() => reject(new CliFailure('the daemon went away; the watch has ended', ExitCode.Error))),
  );
  try {
    const started = await connection.sendRequest(WatchStartRequest.type, command.watch);
    if (!command.out.quiet) {
      const stop = command.keepAlive ? 'Ctrl-C' : 'Ctrl-C or end of input';
      process.stderr.write(`atoll: watching ${started.watching.map(shown).join(', ')} (${started.inputs.length} inputs); ${stop} stops\n`);
    }
    const reason = await Promise.race([untilStopped(command.keepAlive), lost]);
    await connection.sendRequest(WatchStopRequest.type, { watchId: started.watchId });
    if (!command.out.quiet) process.stderr.write(`atoll: stopped watching (${reason})\n`);
    return ExitCode.Ok;
  } catch (error) {
    throw daemonFailure(error);
  } finally {
    process.stdin.pause();
    await link.close();
  }
}
