import { basename } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes, quickRebuildKind, type OptimizeReport, type VerifyReport, type WatchResultParams } from '../../../src/protocol/index.js';

/** What the editor shows for results and errors: one-line summaries, detail lines, the status bar text. */

export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) < 10_000) return `${bytes} B`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** "418 B → 188 B (−230 B, 55.0% smaller)". */
export function sizeChange(before: number, after: number): string {
  const saved = before - after;
  if (saved === 0) return `${formatBytes(before)}, unchanged`;
  const percent = before === 0 ? 0 : (Math.abs(saved) / before) * 100;
  const [sign, direction] = saved > 0 ? ['−', 'smaller'] : ['+', 'larger'];
  return `${formatBytes(before)} → ${formatBytes(after)} (${sign}${formatBytes(Math.abs(saved))}, ${percent.toFixed(1)}% ${direction})`;
}

/** What was proved of an optimize result; never calls an unverified output verified. */
export function verificationSummary(report: OptimizeReport): string {
  const totals = report.verification?.totals;
  if (report.verifiedStatus === 'unverified' || totals === undefined) return `unverified (verify: ${report.settings.verify})`;
  if (totals.changed === 0) return 'no function changed';
  const kept = report.settings.verify === 'strict' ? ', unproved changes left out' : report.settings.verify === 'report' ? ', every change kept' : '';
  return `${totals.proved}/${totals.changed} changed functions proved (${Math.round(totals.coverage)}%${kept})`;
}

export function optimizeSummary(report: OptimizeReport, inputPath: string, outputPath: string | undefined): string {
  const target = outputPath === undefined ? '' : ` → ${basename(outputPath)}`;
  const cached = report.cached ? ', from cache' : '';
  return `${basename(inputPath)}${target}: ${sizeChange(report.input.bytes, report.output.bytes)}; ${verificationSummary(report)}; ${formatMs(report.timeMs.total)}${cached}`;
}

export function verifySummary(report: VerifyReport, basePath: string, candidatePath: string): string {
  const { changed, proved, refuted, unknown, coverage } = report.totals;
  const moduleCheck = report.module.accepted ? 'module structure preserved' : 'module-level changes not shown to preserve behaviour';
  return `${basename(candidatePath)} vs ${basename(basePath)}: ${changed} changed, ${proved} proved, ${refuted} refuted, ${unknown} unknown (${Math.round(coverage)}% proved); ${moduleCheck}`;
}

/** One line per function that was not proved, and per module-level finding: the output channel's detail. */
export function verifyDetails(report: VerifyReport): string[] {
  const lines: string[] = [];
  for (const { name, verdict } of report.functions) {
    if (verdict.status === 'refuted') {
      const observed = verdict.counterexample.observed;
      const difference = observed ? `: base gives ${observed.base}, candidate gives ${observed.candidate}` : '';
      lines.push(`refuted ${name} with params (${verdict.counterexample.params.join(', ')})${difference}`);
    } else if (verdict.status === 'unknown') {
      lines.push(`unknown ${name}: ${verdict.reason}${verdict.detail ? ` (${verdict.detail})` : ''}`);
    }
  }
  for (const name of report.unmatched.base) lines.push(`only in base: ${name}`);
  for (const name of report.unmatched.candidate) lines.push(`only in candidate: ${name}`);
  for (const finding of report.module.findings) lines.push(`module: ${finding}`);
  return lines;
}

/** Status bar: bytes saved and how much was proved, short enough for the bar. */
export function statusBarText(report: OptimizeReport): string {
  const saved = report.input.bytes - report.output.bytes;
  const size = saved === 0 ? 'no change' : `${saved > 0 ? '−' : '+'}${formatBytes(Math.abs(saved))}`;
  const totals = report.verification?.totals;
  if (report.verifiedStatus === 'unverified' || totals === undefined) return `$(warning) atoll ${size} · unverified`;
  return `${report.verifiedStatus === 'proved' ? '$(check)' : '$(warning)'} atoll ${size} · ${Math.round(totals.coverage)}% proved`;
}

export function watchResultLine(result: WatchResultParams): string {
  const file = basename(result.path);
  if (result.error) return `watch: ${file} (${result.cause}) failed after ${formatMs(result.ms)}: ${result.error.message}`;
  const summary = result.report ? `${sizeChange(result.report.input.bytes, result.report.output.bytes)}; ${verificationSummary(result.report)}` : 'done';
  const stage = result.stage === 'quick' ? ` [quick: ${quickRebuildKind(result)}, full rebuild follows]` : '';
  return `watch: ${file} (${result.cause}) → ${result.outputPath ? basename(result.outputPath) : '?'}: ${summary}${stage}; ${formatMs(result.ms)}`;
}

/** vscode-jsonrpc's code for requests that were pending when the connection went away. */
const PENDING_RESPONSE_REJECTED = -32097;

/** An error as the user should read it: the daemon's own message for its codes, context for transport ones. */
export function errorMessage(error: unknown): string {
  if (error instanceof ResponseError) {
    switch (error.code) {
      case ErrorCodes.RequestCancelled:
        return 'cancelled';
      case PENDING_RESPONSE_REJECTED:
        return 'the atoll daemon exited while working on this request (it is being restarted; see the atoll output channel)';
      case ErrorCodes.InternalError:
        return `atoll daemon bug: ${error.message}`;
      default:
        return error.message;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

export function isCancellation(error: unknown): boolean {
  return error instanceof ResponseError && error.code === ErrorCodes.RequestCancelled;
}
