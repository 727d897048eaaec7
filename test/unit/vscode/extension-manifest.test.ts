import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../../clients/vscode/src/settings.js';
import { Objectives, OptionRanges, SearchStrategies, Topologies, VerifyModes } from '../../../src/protocol/index.js';
import { ROOT } from './real-daemon.js';

const EXTENSION = join(ROOT, 'clients/vscode');

interface Manifest {
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  contributes: { commands: Array<{ command: string }>; configuration: { properties: Record<string, unknown> } };
}

const manifest = async (): Promise<Manifest> => JSON.parse(await readFile(join(EXTENSION, 'package.json'), 'utf8'));

describe('the VS Code extension', () => {
  it('type-checks against @types/vscode and compiles to the file its manifest names as main', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'atoll-vscode-out-'));
    try {
      const tsc = join(ROOT, 'node_modules/.bin/tsc');
      const result = await promisify(execFile)(tsc, ['-p', join(EXTENSION, 'tsconfig.json'), '--outDir', outDir]).catch((error: { stdout: string }) => error);
      expect(result.stdout).toBe('');
      const main = (await manifest()).main.replace(/^\.\/out\//, '');
      expect(existsSync(join(outDir, main))).toBe(true);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it('registers exactly the commands it contributes, and activates on each', async () => {
    const { contributes, activationEvents } = await manifest();
    const source = await readFile(join(EXTENSION, 'src/commands.ts'), 'utf8');
    const registered = [...source.matchAll(/^\s+'(atoll\.\w+)':/gm)].map((match) => match[1]).sort();
    const contributed = contributes.commands.map(({ command }) => command).sort();
    expect(registered).toEqual(contributed);
    for (const command of contributed) expect(activationEvents).toContain(`onCommand:${command}`);
  });

  it('declares every setting the extension reads', async () => {
    const declared = Object.keys((await manifest()).contributes.configuration.properties);
    const read: string[] = [];
    readSettings({ get: <T>(key: string) => (read.push(`atoll.${key}`), undefined as T | undefined) });
    expect(read.filter((key) => !declared.includes(key))).toEqual([]);
    expect(declared.filter((key) => !read.includes(key))).toEqual([]);
  });

  it('offers the option values and ranges of src/protocol/options.ts, no others', async () => {
    const properties = (await manifest()).contributes.configuration.properties as Record<string, { enum?: unknown[]; minimum?: number; maximum?: number }>;
    const enumOf = (key: string) => properties[`atoll.optimize.${key}`]!.enum!.filter((value) => value !== null);
    expect(enumOf('objective')).toEqual([...Objectives]);
    expect(enumOf('topology')).toEqual([...Topologies]);
    expect(enumOf('strategy')).toEqual([...SearchStrategies]);
    expect(enumOf('verify')).toEqual([...VerifyModes]);
    for (const key of ['islands', 'generations'] as const) {
      expect(properties[`atoll.optimize.${key}`]).toMatchObject({ minimum: OptionRanges[key].min, maximum: OptionRanges[key].max });
    }
  });
});
