import type { WorkDoneProgressValue } from '../../src/protocol/index.js';
import { Style, styler } from './style.js';

const BAR_WIDTH = 24;
/** Without a terminal: a line when the phase or the generation changes, else at most one this often. */
const PLAIN_LINE_EVERY_MS = 5000;

export interface ProgressViewOptions {
  quiet: boolean;
  /** Show nothing until the job has run this long (watch mode shows only long rebuilds). */
  showAfterMs?: number;
  /** Where the view writes; stderr by default. */
  stream?: NodeJS.WriteStream;
  now?: () => number;
}

/**
 * Shows `$/progress` of one job: on a terminal a bar redrawn in place with the percentage over the whole job
 * and the daemon's text ("generation 2 of 4: verifying 12 of 47 functions"); otherwise plain lines, at most
 * one per phase or generation or per few seconds (logs, CI). Nothing with --quiet.
 */
export class ProgressView {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly style: (code: number, text: string) => string;
  private readonly now: () => number;
  private readonly startedAt: number;
  /** Put before each line (watch mode names the input). */
  prefix = '';
  private drawn = false;
  private lastPlain: { at: number; key: string } | undefined;

  constructor(private readonly options: ProgressViewOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.style = styler(this.stream);
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  update(value: WorkDoneProgressValue): void {
    if (this.options.quiet) return;
    if (value.kind === 'end') return this.clear();
    if (this.now() - this.startedAt < (this.options.showAfterMs ?? 0)) return;
    const percentage = value.percentage ?? 0;
    const message = value.message ?? (value.kind === 'begin' ? value.title : '');
    const prefix = this.prefix;
    if (!this.tty) return this.plain(value, `atoll: ${prefix}${String(percentage).padStart(3)}% ${message}`);
    const filled = Math.round((percentage / 100) * BAR_WIDTH);
    const bar = this.style(Style.green, '█'.repeat(filled)) + this.style(Style.dim, '░'.repeat(BAR_WIDTH - filled));
    const width = this.stream.columns ?? 80;
    const text = `${prefix}${bar} ${String(percentage).padStart(3)}% ${message}`;
    const visible = text.length - (bar.length - BAR_WIDTH);
    this.stream.write(`\r\u001b[2K${visible < width ? text : `${text.slice(0, text.length - (visible - width + 2))}…`}`);
    this.drawn = true;
  }

  private plain(value: WorkDoneProgressValue, line: string): void {
    const key = value.kind === 'report' ? `${value.phase}/${value.generation ?? ''}` : value.kind;
    const now = this.now();
    if (this.lastPlain && this.lastPlain.key === key && now - this.lastPlain.at < PLAIN_LINE_EVERY_MS) return;
    this.lastPlain = { at: now, key };
    this.stream.write(`${line}\n`);
  }

  /** Removes the bar (before other output, and at the end). */
  clear(): void {
    if (this.drawn) this.stream.write('\r\u001b[2K');
    this.drawn = false;
  }
}
