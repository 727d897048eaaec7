import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkPassName, DEFAULT_PIPELINE, passInfo, PASSES, searchablePasses } from '../../../src/islands/catalogue.js';
import { defaultPipelinePasses, PRESET_LEVELS, REFINEMENT_SEEDS } from '../../../src/islands/presets.js';
import { isOwnPass } from '../../../src/workers/passes/index.js';

describe('pass catalogue', () => {
  it('names every pass binaryen 132 registers, each once', () => {
    // The installed binaryen's own wasm-opt (shipped as JS in the npm package) lists its passes.
    const wasmOpt = join(dirname(fileURLToPath(import.meta.resolve('binaryen'))), 'bin', 'wasm-opt');
    const help = execFileSync(process.execPath, [wasmOpt, '--help'], { encoding: 'utf8' });
    const section = help.slice(help.indexOf('Optimization passes:'), help.indexOf('Optimization options:'));
    const registered = [...section.matchAll(/^ {2}--([a-z0-9-]+)/gm)].map((m) => m[1]!).sort();
    const catalogued = PASSES.filter((p) => !p.own).map((p) => p.name).sort();
    expect(new Set(catalogued).size).toBe(catalogued.length);
    expect(catalogued).toEqual(registered);
  });

  it('names atoll\'s own passes apart from binaryen\'s, each one a pass the workers run', () => {
    const own = PASSES.filter((p) => p.own).map((p) => p.name);
    expect(own).toContain('forward-stores');
    for (const name of own) expect(isOwnPass(name), name).toBe(true);
    expect(new Set(PASSES.map((p) => p.name)).size).toBe(PASSES.length);
  });

  it('excludes passes that change semantics, lower, instrument or print, with a reason', () => {
    for (const name of ['trap-mode-clamp', 'optimize-added-constants', 'denan', 'signext-lowering', 'print', 'metrics', 'safe-heap', 'asyncify']) {
      expect(passInfo(name)?.kind, name).toBe('excluded');
      expect(passInfo(name)?.reason, name).toBeTruthy();
    }
  });

  it('classifies the default pipeline passes as function-local or module-level', () => {
    expect(passInfo('vacuum')?.kind).toBe('function');
    expect(passInfo('coalesce-locals')?.kind).toBe('function');
    expect(passInfo('inlining-optimizing')?.kind).toBe('module');
    expect(passInfo('remove-unused-module-elements')?.kind).toBe('module');
  });

  it('rejects unknown and excluded names before binaryen sees them', () => {
    expect(() => checkPassName('no-such-pass')).toThrow(/unknown pass "no-such-pass"/);
    expect(() => checkPassName('trap-mode-js')).toThrow(/excluded/);
    expect(() => checkPassName('vacuum')).not.toThrow();
    expect(() => checkPassName(DEFAULT_PIPELINE)).not.toThrow();
  });

  it('never lets mutation insert a pass that needs flat IR, or one that only grows the module', () => {
    for (const name of ['dfo', 'rereloop', 'monomorphize-always']) {
      expect(passInfo(name)?.unsearched, name).toBeTruthy();
      expect(searchablePasses(['gc', 'reference-types']), name).not.toContain(name);
      expect(() => checkPassName(name)).not.toThrow();
    }
    expect(searchablePasses([])).toContain('reorder-functions');
  });

  it('offers GC passes to the search only when the module has GC', () => {
    expect(searchablePasses([])).not.toContain('type-merging');
    expect(searchablePasses(['gc', 'reference-types'])).toContain('type-merging');
    expect(searchablePasses([])).not.toContain('trap-mode-clamp');
  });

  it('builds every preset and refinement seed from catalogued, allowed passes only', () => {
    for (const [name, [o, s]] of Object.entries(PRESET_LEVELS)) {
      for (const pass of defaultPipelinePasses(o, s)) expect(() => checkPassName(pass), `${name}: ${pass}`).not.toThrow();
    }
    for (const seed of REFINEMENT_SEEDS) for (const pass of seed.passes) expect(() => checkPassName(pass)).not.toThrow();
  });

  it('writes -Oz with merge-similar-functions and -O2 without ssa-nomerge, as binaryen does', () => {
    expect(defaultPipelinePasses(2, 2)).toContain('merge-similar-functions');
    expect(defaultPipelinePasses(3, 0)).not.toContain('merge-similar-functions');
    expect(defaultPipelinePasses(2, 0)).not.toContain('ssa-nomerge');
    expect(defaultPipelinePasses(4, 0).slice(4, 8)).toContain('flatten');
  });
});
