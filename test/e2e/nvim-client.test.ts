import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../unit/vscode/real-daemon.js';
import { CLI_MAIN, ROOT } from './daemon-harness.js';

/**
 * The Neovim client for real: headless Neovim (Debian's, installed by scripts/ensure-system-deps.sh) loads
 * clients/nvim from the runtimepath, starts the built daemon (`atoll daemon --stdio`) with its own JSON-RPC
 * client, runs the commands, and writes what it showed to a file on the way out.
 */
const PLUGIN = join(ROOT, 'clients/nvim');

function nvimVersion(): string | undefined {
  const result = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.split('\n')[0] : undefined;
}

/** Neovim must be there: a missing editor is a failure to fix (ensure-system-deps.sh), never a skip. */
function requireNvim(): string {
  if (!nvimVersion()) spawnSync('sh', [join(ROOT, 'scripts/ensure-system-deps.sh')], { stdio: 'inherit' });
  const version = nvimVersion();
  if (!version) throw new Error('nvim is not installed and scripts/ensure-system-deps.sh could not install Debian "neovim": the Neovim client cannot be tested');
  return version;
}

interface Session {
  messages: string[];
  timedOut: string[];
  pid: number | null;
  error?: string;
}

/** The test's part, run inside Neovim: each step is a command, then a wait until the client is idle. */
const SCRIPT = String.raw`
local cfg = vim.json.decode(vim.env.ATOLL_NVIM_TEST)
local atoll = require('atoll')
local session = { timedOut = {}, pid = vim.NIL }
atoll.setup({ cmd = cfg.cmd, env = { ATOLL_CACHE_DIR = cfg.cache }, options = { generations = 1, islands = 2, verify = 'off' } })
-- Registered after the plugin's own VimLeavePre (which stops the daemon), so it sees the shutdown message.
vim.api.nvim_create_autocmd('VimLeavePre', { callback = function()
  session.messages = atoll.messages
  vim.fn.writefile({ vim.json.encode(session) }, cfg.result)
end })
local ok, err = pcall(function()
  for _, step in ipairs(cfg.steps) do
    vim.cmd(step)
    if not vim.wait(150000, atoll.idle, 50) then table.insert(session.timedOut, step) end
    session.pid = atoll.pid() or session.pid
  end
end)
if not ok then session.error = tostring(err) end
vim.cmd('qa!')
`;

async function runNvim(dir: string, steps: string[]): Promise<{ session: Session; exitCode: number | null; stderr: string }> {
  const script = join(dir, 'session.lua');
  const result = join(dir, 'session.json');
  await writeFile(script, SCRIPT);
  const cfg = { cmd: [process.execPath, CLI_MAIN, 'daemon', '--stdio'], cache: join(dir, 'cache'), result, steps };
  const nvim = spawn('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '--cmd', `set rtp^=${PLUGIN}`, '-c', 'runtime! plugin/atoll.lua', '-c', `luafile ${script}`], {
    cwd: dir,
    env: { ...process.env, ATOLL_NVIM_TEST: JSON.stringify(cfg) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  nvim.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  nvim.stdout.on('data', () => undefined);
  const killer = setTimeout(() => nvim.kill('SIGKILL'), 170_000);
  const exitCode = await new Promise<number | null>((resolve) => nvim.once('exit', resolve));
  clearTimeout(killer);
  const text = await readFile(result, 'utf8').catch(() => {
    throw new Error(`Neovim wrote no session result (exit ${exitCode}); stderr:\n${stderr}`);
  });
  return { session: JSON.parse(text) as Session, exitCode, stderr };
}

describe('Neovim client (clients/nvim) against the real daemon', () => {
  let dir: string;
  let run: Awaited<ReturnType<typeof runNvim>>;

  beforeAll(async () => {
    requireNvim();
    dir = await mkdtemp(join(tmpdir(), 'atoll-nvim-'));
    await copyFile(join(ROOT, 'examples/demo.wasm'), join(dir, 'demo.wasm'));
    await writeFile(join(dir, 'notes.wasm'), 'this is not WebAssembly\n');
    run = await runNvim(dir, ['AtollOptimize notes.wasm', 'AtollOptimize demo.wasm', 'AtollVerify demo.wasm demo.opt.wasm']);
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs every command to completion without a Lua error', () => {
    expect(run.session.error).toBeUndefined();
    expect(run.session.timedOut).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  it(':AtollOptimize writes a valid, smaller demo.opt.wasm beside the input and shows the result', async () => {
    const input = await stat(join(dir, 'demo.wasm'));
    const output = await readFile(join(dir, 'demo.opt.wasm'));
    expect(WebAssembly.validate(output)).toBe(true);
    expect(output.length).toBeLessThan(input.size);
    const pct = (((input.size - output.length) / input.size) * 100).toFixed(1);
    expect(run.session.messages).toContainEqual(
      expect.stringMatching(new RegExp(`^atoll: demo\\.wasm -> demo\\.opt\\.wasm: ${input.size} B -> ${output.length} B \\(-${input.size - output.length} B, ${pct}% smaller\\); unverified \\(verify: off\\); `)),
    );
  });

  it('shows the daemon\'s $/progress as messages', () => {
    const progress = run.session.messages.filter((message) => /\(\d+%\)$/.test(message));
    expect(progress.length).toBeGreaterThan(2);
    expect(progress).toContain('atoll: done (100%)');
  });

  it('names the problem with a file that is not wasm, and keeps working', () => {
    const failure = run.session.messages.find((message) => message.includes('optimize notes.wasm failed'));
    expect(failure).toMatch(/not a WebAssembly module|magic/i);
    expect(run.session.messages.indexOf(failure!)).toBeLessThan(run.session.messages.findIndex((message) => message.startsWith('atoll: demo.wasm -> ')));
  });

  it(':AtollVerify reports the verdicts for the pair', () => {
    expect(run.session.messages).toContainEqual(expect.stringMatching(/^atoll: demo\.opt\.wasm vs demo\.wasm: \d+ changed, \d+ proved, \d+ refuted, \d+ unknown \(\d+% proved\)/));
  });

  it('shuts the daemon down on VimLeavePre', async () => {
    expect(run.session.messages.at(-1)).toBe('atoll: daemon shut down');
    expect(run.session.pid).toBeTypeOf('number');
    expect(isAlive(run.session.pid!)).toBe(false);
  });
});
