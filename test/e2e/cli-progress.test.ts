import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, ROOT, runCli, tempHome, type TempHome } from './daemon-harness.js';

const DEMO = join(ROOT, 'examples/demo.wasm');
/** A strict job long enough (2–3 s here) for the bar to move through several places. */
const RABIN = join(ROOT, 'node_modules/rabin-wasm/dist/rabin.wasm');
const STRICT = ['--generations', '3', '--islands', '2', '--no-daemon'];

let home: TempHome;
beforeAll(async () => {
  home = await tempHome();
});
afterAll(async () => {
  await home.cleanup();
});

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', `atoll-test-${process.pid}`, ...args], { encoding: 'utf8' });

describe('progress of a strict optimize', () => {
  it('moves the bar in a real terminal, saying generation k of N', async () => {
    const env = Object.entries({ ATOLL_CACHE_DIR: home.cacheDir, XDG_RUNTIME_DIR: join(home.dir, 'runtime'), NO_COLOR: '1' })
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    // Everything the terminal is sent goes to a file too (tmux pipe-pane, attached during the first second):
    // a screen polled every 100 ms on a loaded machine missed generations that took less than a poll.
    const sent = join(home.dir, 'terminal.log');
    const command = `sleep 1; env ${env} ${process.execPath} ${CLI_MAIN} optimize ${RABIN} -o ${join(home.dir, 'tty.wasm')} ${STRICT.join(' ')} --seed 11; echo EXIT=$?; sleep 30`;
    tmux('new-session', '-d', '-s', 'bar', '-x', '150', '-y', '20', command);
    tmux('pipe-pane', '-t', 'bar', `cat >> ${sent}`);
    try {
      const deadline = Date.now() + 180_000;
      let screen = '';
      while (Date.now() < deadline && !/EXIT=\d+/.test(screen)) {
        screen = tmux('capture-pane', '-p', '-t', 'bar');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(screen).toMatch(/EXIT=0/);
      expect(screen).toContain('proved equivalent');
    } finally {
      tmux('kill-server');
    }
    const seen: Array<{ percentage: number; text: string }> = [];
    // Each frame of the bar starts with a carriage return and an erase-line sequence (progress-view.ts).
    for (const frame of readFileSync(sent, 'utf8').split(/\r|\n/)) {
      const match = /[█░]+\s+(\d+)% (.*)/.exec(frame.replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''));
      if (match) seen.push({ percentage: Number(match[1]), text: match[2]!.trim() });
    }
    const percentages = seen.map((s) => s.percentage);
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
    expect(new Set(percentages.filter((p) => p > 0 && p < 100)).size).toBeGreaterThanOrEqual(3);
    expect(seen.some((s) => /^generation [1-3] of 3: /.test(s.text))).toBe(true);
  });

  it('without a terminal prints at most one line per phase or generation (or per 5 s)', async () => {
    const started = Date.now();
    const run = await runCli(home, ['optimize', DEMO, '-o', join(home.dir, 'plain.wasm'), ...STRICT, '--seed', '12']);
    const seconds = (Date.now() - started) / 1000;
    expect(run.code).toBe(0);
    const lines = run.stderr.split('\n').filter((line) => /^atoll: +\d+% /.test(line));
    // ingest, then per generation its search and its verification, then emit; plus one per 5 s at most.
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.length).toBeLessThanOrEqual(2 + 2 * 4 + Math.ceil(seconds / 5));
    expect(lines.some((line) => /generation 3 of 3/.test(line))).toBe(true);
  });
});
