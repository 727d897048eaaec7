import type { WorkDoneProgressValue } from '../../src/protocol/index.js';
import { Style, styler } from './style.js';

const BAR_WIDTH = 24;

/**
 * Shows `$/progress` on stderr: a bar redrawn in place on a terminal, one plain line per step otherwise
 * (logs, CI). Nothing at all with --quiet.
 */
export class ProgressView {
  private readonly tty = process.stderr.isTTY === true;
  private readonly style = styler(process.stderr);
  private drawn = false;
  private lastLine = '';

  constructor(private readonly quiet: boolean) {}

  update(value: WorkDoneProgressValue): void {
    if (this.quiet) return;
    if (value.kind === 'end') return this.clear();
    const percentage = value.percentage;
    const message = value.kind === 'begin' ? (value.message ?? value.title) : (value.message ?? '');
    if (!this.tty) {
      const line = `atoll: ${message}${percentage === undefined ? '' : ` (${percentage}%)`}`;
      if (line !== this.lastLine) process.stderr.write(`${line}\n`);
      this.lastLine = line;
      return;
    }
    const filled = Math.round(((percentage ?? 0) / 100) * BAR_WIDTH);
    const bar = this.style(Style.green, '█'.repeat(filled)) + this.style(Style.dim, '░'.repeat(BAR_WIDTH - filled));
    const width = process.stderr.columns ?? 80;
    const text = `${bar} ${String(percentage ?? 0).padStart(3)}% ${message}`.slice(0, width - 1 + (bar.length - BAR_WIDTH));
    process.stderr.write(`\r\u001b[2K${text}`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) process.stderr.write('\r\u001b[2K');
    this.drawn = false;
  }
}
