import { describe, expect, it } from 'vitest';
import { daemonCommand, readSettings, SettingsError, type SettingsSource } from '../../../clients/vscode/src/settings.js';

const source = (values: Record<string, unknown>): SettingsSource => ({ get: <T>(key: string) => values[key] as T | undefined });

describe('daemonCommand', () => {
  it('runs a command name as `<command> daemon --stdio` with the extra arguments after', () => {
    expect(daemonCommand('atoll', 'node', ['--cache-dir', '/tmp/c'])).toEqual({ command: 'atoll', args: ['daemon', '--stdio', '--cache-dir', '/tmp/c'] });
  });

  it('runs a JavaScript entry with node', () => {
    expect(daemonCommand('/opt/atoll/dist/clients/cli/main.js', '/usr/bin/node', [])).toEqual({
      command: '/usr/bin/node',
      args: ['/opt/atoll/dist/clients/cli/main.js', 'daemon', '--stdio'],
    });
  });
});

describe('readSettings', () => {
  it('leaves every option to the daemon when nothing is set', () => {
    const settings = readSettings(source({}));
    expect(settings.optimize).toEqual({});
    expect(settings.daemon).toEqual({ command: 'atoll', args: ['daemon', '--stdio'] });
    expect(settings.output).toEqual({ pattern: '${name}.opt.wasm', directory: '' });
    expect(settings.watch).toEqual({ paths: [], debounceMs: undefined, quick: undefined });
  });

  it('maps each optimize setting to the wire option of the same name; null means unset', () => {
    const settings = readSettings(
      source({
        'optimize.islands': 3,
        'optimize.generations': 0,
        'optimize.seed': 42,
        'optimize.objective': 'instructions',
        'optimize.topology': 'fully-connected',
        'optimize.strategy': 'mixed',
        'optimize.verify': 'report',
        'optimize.timeBudgetMs': 5000,
        'optimize.keepNames': true,
        'optimize.features': ['sign-ext'],
        'verification.timeoutMs': null,
      }),
    );
    expect(settings.optimize).toEqual({
      islands: 3,
      generations: 0,
      seed: 42,
      objective: 'instructions',
      topology: 'fully-connected',
      strategy: 'mixed',
      verify: 'report',
      timeBudgetMs: 5000,
      keepNames: true,
      features: ['sign-ext'],
    });
    expect(settings.verifyTimeoutMs).toBeUndefined();
  });

  it('names every setting of the wrong type, with the value found', () => {
    const read = () => readSettings(source({ 'optimize.islands': 2.5, 'optimize.verify': 'maybe', 'daemonArgs': '--x', 'optimize.keepNames': 'yes' }));
    expect(read).toThrow(SettingsError);
    expect(read).toThrow(
      'atoll settings: atoll.optimize.islands must be an integer, got 2.5; atoll.optimize.verify must be one of strict, report, off, got "maybe"; ' +
        'atoll.optimize.keepNames must be true or false, got "yes"; atoll.daemonArgs must be an array of strings, got "--x"',
    );
  });
});
