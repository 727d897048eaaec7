import { describe, expect, it } from 'vitest';
import { optimizeParams, outputPathFor, verifyParams, watchParams } from '../../../clients/vscode/src/requests.js';
import { readSettings } from '../../../clients/vscode/src/settings.js';

const settingsWith = (values: Record<string, unknown>) => readSettings({ get: <T>(key: string) => values[key] as T | undefined });

describe('outputPathFor', () => {
  it('puts name.opt.wasm beside the input by default', () => {
    expect(outputPathFor('/w/build/app.wasm', { pattern: '${name}.opt.wasm', directory: '' })).toBe('/w/build/app.opt.wasm');
  });

  it('resolves a relative output directory against the workspace folder', () => {
    expect(outputPathFor('/w/build/app.wasm', { pattern: '${name}.min.wasm', directory: 'dist' }, '/w')).toBe('/w/dist/app.min.wasm');
    expect(outputPathFor('/w/build/app.wasm', { pattern: '${name}.wasm', directory: '/out' }, '/w')).toBe('/out/app.wasm');
  });

  it('refuses a naming that would overwrite the input, or a pattern that is a path', () => {
    expect(() => outputPathFor('/w/app.wasm', { pattern: '${name}.wasm', directory: '' })).toThrow('would overwrite the input /w/app.wasm');
    expect(() => outputPathFor('/w/app.wasm', { pattern: 'out/${name}.wasm', directory: '' })).toThrow('must be a file name, not a path');
  });
});

describe('request params', () => {
  it('optimize: absolute input and output paths and the options from the settings', () => {
    const params = optimizeParams('/w/app.wasm', settingsWith({ 'optimize.generations': 2, 'optimize.verify': 'strict' }));
    expect(params).toEqual({ input: { path: '/w/app.wasm' }, outputPath: '/w/app.opt.wasm', options: { generations: 2, verify: 'strict' } });
    expect(() => optimizeParams('app.wasm', settingsWith({}))).toThrow('expected an absolute path, got "app.wasm"');
  });

  it('verify: the pair and the solver timeout when set', () => {
    expect(verifyParams('/w/a.wasm', '/w/a.opt.wasm', settingsWith({ 'verification.timeoutMs': 2000 }))).toEqual({
      base: { path: '/w/a.wasm' },
      candidate: { path: '/w/a.opt.wasm' },
      timeoutMs: 2000,
    });
  });

  it('watch: the workspace folders by default, configured paths resolved against each folder', () => {
    expect(watchParams(['/w'], settingsWith({}))).toEqual({ paths: ['/w'], options: {} });
    expect(watchParams(['/w', '/v'], settingsWith({ 'watch.paths': ['build', '/abs'], 'output.directory': 'opt', 'watch.debounceMs': 300, 'watch.quick': false }))).toEqual({
      paths: ['/w/build', '/v/build', '/abs'],
      outputDir: '/w/opt',
      options: {},
      debounceMs: 300,
      quick: false,
    });
    expect(() => watchParams([], settingsWith({}))).toThrow('nothing to watch');
  });
});
