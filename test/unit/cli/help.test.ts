import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../clients/cli/args.js';
import { OptionDefaults, UNVERIFIED_GENERATIONS } from '../../../src/protocol/index.js';

describe('atoll optimize --help', () => {
  it('states the defaults the daemon applies', () => {
    const command = parseCommand(['optimize', '--help']);
    expect(command.name).toBe('help');
    // commander wraps long lines: compare with the white space collapsed.
    const text = (command.name === 'help' ? command.text : '').replace(/\s+/g, ' ');
    expect(text).toContain(`generations after generation 0, 0..1000 (default ${OptionDefaults.generations}; ${UNVERIFIED_GENERATIONS} with --verify off)`);
    expect(text).toContain(`same input, options and seed give the same output bytes (default ${OptionDefaults.seed})`);
    expect(text).toContain(`no checks (default ${OptionDefaults.verify})`);
    expect(text).toContain(`(default ${OptionDefaults.strategy})`);
  });
});
