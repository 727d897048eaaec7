import { mkdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/protocol/index.js';
import { sha256 } from '../../src/wasm/ingest.js';
import { tempHome, type TempHome } from './daemon-harness.js';
import { demoModule, folderIn, sleep, WatchClient } from './watch-harness.js';

let home: TempHome;
let client: WatchClient;
let folders = 0;
beforeAll(async () => {
  home = await tempHome();
  client = await WatchClient.start(home);
});
afterAll(async () => {
  expect(await client.close()).toBe(0);
  await home.cleanup();
});
beforeEach(() => client.unwatchAll());

/** A fresh empty folder and a watch on it (stopped by the caller). */
async function watchedFolder(debounceMs?: number) {
  const dir = await folderIn(home, `watched-${++folders}`);
  const { watchId, inputs } = await client.watch({ paths: [dir], ...(debounceMs ? { debounceMs } : {}) });
  expect(inputs).toEqual([]);
  return { dir, watchId };
}

describe('watch mode: rebuilds', () => {
  it('optimizes a new file into name.opt.wasm beside it, and its own output triggers nothing', async () => {
    const { dir, watchId } = await watchedFolder();
    const input = demoModule();
    await writeFile(join(dir, 'a.wasm'), input);
    const [result] = await client.waitForResults(1);
    expect(result).toMatchObject({ watchId, path: join(dir, 'a.wasm'), cause: 'add', outputPath: join(dir, 'a.opt.wasm') });
    expect(result!.error).toBeUndefined();
    const output = await readFile(join(dir, 'a.opt.wasm'));
    expect(WebAssembly.validate(output)).toBe(true);
    expect(result!.summary).toMatchObject({ inputBytes: input.length, outputBytes: output.length, verifiedStatus: 'unverified' });
    expect(output.length).toBeLessThan(input.length);
    expect(result!.report!.input.sha256).toBe(sha256(input));
    await client.quietFor(1500, 1);
    expect(await client.unwatch(watchId)).toEqual({ stopped: true });
  });

  it('rebuilds once per change, and ten writes in quick succession give one rebuild of the final content', async () => {
    // A quiet time the ten writes cannot outlast even on a loaded machine (at 100 ms, a stalled writer split
    // the burst in two under CI load): what is tested is that a burst coalesces, not how short the wait is.
    const { dir, watchId } = await watchedFolder(1000);
    const path = join(dir, 'a.wasm');
    await writeFile(path, demoModule(8));
    await client.waitForResults(1);

    await writeFile(path, demoModule(16));
    const [, changed] = await client.waitForResults(2);
    expect(changed).toMatchObject({ cause: 'change', path });
    expect(changed!.report!.input.sha256).toBe(sha256(demoModule(16)));
    await client.quietFor(800, 2);

    const versions = Array.from({ length: 10 }, (_, k) => demoModule(101 + k));
    for (const version of versions) await writeFile(path, version);
    const [, , burst] = await client.waitForResults(3);
    expect(burst).toMatchObject({ cause: 'change', path });
    expect(burst!.report!.input.sha256).toBe(sha256(demoModule(110)));
    await client.quietFor(1500, 3);
    await client.unwatch(watchId);
  });

  it('does not build a truncated write: the complete write that follows gives exactly one good build', async () => {
    const { dir, watchId } = await watchedFolder();
    const path = join(dir, 'a.wasm');
    const complete = demoModule(24);
    await writeFile(path, complete.subarray(0, Math.floor(complete.length / 2)));
    // Longer than the quiet time (so the half file is looked at), shorter than the wait for completion.
    await sleep(400);
    await writeFile(path, complete);
    const [result] = await client.waitForResults(1);
    expect(result!.error).toBeUndefined();
    expect(result!.report!.input.sha256).toBe(sha256(complete));
    await client.quietFor(1500, 1);
    await client.unwatch(watchId);
  });

  it('sees an atomic save (write a temp file, rename it over the input) as one change', async () => {
    const { dir, watchId } = await watchedFolder();
    const path = join(dir, 'a.wasm');
    await writeFile(path, demoModule(8));
    await client.waitForResults(1);
    const temp = join(dir, '.a.wasm.tmp-1234');
    await writeFile(temp, demoModule(32));
    await rename(temp, path);
    const [, saved] = await client.waitForResults(2);
    expect(saved).toMatchObject({ cause: 'change', path });
    expect(saved!.report!.input.sha256).toBe(sha256(demoModule(32)));
    await client.quietFor(1000, 2);
    await client.unwatch(watchId);
  });

  it('never rebuilds its own outputs: an output folder inside the watched one, and two watches of one folder', async () => {
    const dir = await folderIn(home, 'outputs-inside');
    const out = join(dir, 'out');
    const inside = await client.watch({ paths: [dir], outputDir: out });
    // A second watch of the same folder with another suffix: the first one's outputs are not its inputs.
    const second = await client.watch({ paths: [dir], suffix: '.min.wasm' });
    await writeFile(join(dir, 'a.wasm'), demoModule(8));
    const results = await client.waitForResults(2);
    expect(results.map((r) => r.path)).toEqual([join(dir, 'a.wasm'), join(dir, 'a.wasm')]);
    expect(results.map((r) => r.outputPath).sort()).toEqual([join(dir, 'a.min.wasm'), join(out, 'a.wasm')].sort());
    await client.quietFor(2000, 2);
    await client.unwatch(inside.watchId);
    await client.unwatch(second.watchId);
  });

  it('reports a deleted input (removing nothing else) and a broken one, and keeps watching', async () => {
    const { dir, watchId } = await watchedFolder();
    const path = join(dir, 'a.wasm');
    await writeFile(path, demoModule(8));
    await client.waitForResults(1);
    await unlink(path);
    const [, deleted] = await client.waitForResults(2);
    expect(deleted).toMatchObject({ cause: 'unlink', path });
    expect(deleted!.error).toBeUndefined();
    expect((await stat(join(dir, 'a.opt.wasm'))).isFile()).toBe(true);

    const broken = join(dir, 'b.wasm');
    await writeFile(broken, 'not a module');
    const [, , failed] = await client.waitForResults(3);
    expect(failed).toMatchObject({ cause: 'add', path: broken, error: { code: ErrorCodes.NotWasm } });

    await writeFile(broken, demoModule(8));
    const [, , , fixed] = await client.waitForResults(4);
    expect(fixed).toMatchObject({ cause: 'change', path: broken, outputPath: join(dir, 'b.opt.wasm') });
    expect(fixed!.error).toBeUndefined();
    await client.unwatch(watchId);
  });

  it('builds the files already there when the watch starts, unless told not to', async () => {
    const dir = await folderIn(home, 'existing');
    await writeFile(join(dir, 'a.wasm'), demoModule(8));
    await writeFile(join(dir, 'a.opt.wasm'), demoModule(8));
    const quiet = await client.watch({ paths: [dir], initial: false });
    expect(quiet.inputs).toEqual([join(dir, 'a.wasm')]);
    await client.quietFor(800, 0);
    await client.unwatch(quiet.watchId);
    const eager = await client.watch({ paths: [dir] });
    const [result] = await client.waitForResults(1);
    expect(result).toMatchObject({ cause: 'initial', path: join(dir, 'a.wasm') });
    // Built before in this daemon with the same options: the result cache answers.
    expect(result!.summary!.fromResultCache).toBe(true);
    await client.unwatch(eager.watchId);
  });

  it('does not rebuild a write of the bytes last built, but does after the output was deleted', async () => {
    const { dir, watchId } = await watchedFolder();
    const path = join(dir, 'a.wasm');
    await writeFile(path, demoModule(8));
    await client.waitForResults(1);
    await writeFile(path, demoModule(8));
    await client.quietFor(1000, 1);
    await unlink(join(dir, 'a.opt.wasm'));
    await writeFile(path, demoModule(8));
    const [, again] = await client.waitForResults(2);
    expect(again).toMatchObject({ cause: 'change', summary: { fromResultCache: true } });
    expect((await stat(join(dir, 'a.opt.wasm'))).isFile()).toBe(true);
    await client.unwatch(watchId);
  });

  it('answers a change of a built input first with a quick rebuild (strict: proved), then with the full rebuild', async () => {
    const dir = await folderIn(home, 'quick');
    const path = join(dir, 'a.wasm');
    const { watchId } = await client.watch({ paths: [dir], options: { islands: 2, generations: 1, verify: 'strict' } });
    await writeFile(path, demoModule(8));
    await client.waitForResults(1);
    // The first build of an input has nothing to replay.
    expect(client.quick).toEqual([]);

    await writeFile(path, demoModule(16));
    const [, final] = await client.waitForResults(2);
    expect(client.quick).toHaveLength(1);
    const quick = client.quick[0]!;
    expect(quick).toMatchObject({ watchId, path, cause: 'change', stage: 'quick', outputPath: join(dir, 'a.opt.wasm') });
    expect(quick.report!.input.sha256).toBe(sha256(demoModule(16)));
    expect(quick.summary!.verifiedStatus).toBe('proved');
    // Not searched: the previous output with scale, the one function the edit changed, rebuilt in it by one
    // pipeline of function passes and proved; every other body and its proofs are the previous output's.
    expect(quick.report!.history).toEqual([]);
    expect(quick.report!.incremental).toEqual({ rebuilt: ['scale'] });
    expect(quick.report!.champion.genome).toHaveLength(1);
    expect(quick.summary).toMatchObject({ verified: 1, reused: 0 });
    expect(quick.ms).toBeLessThanOrEqual(final!.ms);
    // The quick output is not stored as the answer for these options: the final build is a search of its own.
    expect(final).toMatchObject({ stage: 'final', cause: 'change', summary: { fromResultCache: false, verifiedStatus: 'proved' } });
    expect(final!.report!.input.sha256).toBe(sha256(demoModule(16)));
    expect(sha256(await readFile(join(dir, 'a.opt.wasm')))).toBe(final!.report!.output.sha256);

    // Back to content built before: the result cache answers, once, with no quick answer first.
    await writeFile(path, demoModule(8));
    const [, , undone] = await client.waitForResults(3);
    expect(undone).toMatchObject({ stage: 'final', summary: { fromResultCache: true } });
    expect(client.quick).toHaveLength(1);

    // A change outside function bodies cannot patch the previous output: the quick rebuild replays its first
    // pipeline instead (every step checked afresh: a global's initial value is part of every verdict's key).
    await writeFile(path, demoModule(8, 5));
    await client.waitForResults(4);
    expect(client.quick).toHaveLength(2);
    const replayed = client.quick[1]!;
    expect(replayed.report!.input.sha256).toBe(sha256(demoModule(8, 5)));
    expect(replayed.report!.incremental).toBeUndefined();
    expect(replayed.report!.champion.genome).toHaveLength(1);
    expect(replayed.summary).toMatchObject({ verifiedStatus: 'proved' });
    expect(replayed.summary!.verified).toBeGreaterThan(1);
    await client.unwatch(watchId);
  });

  it('stops a final rebuild whose input changed again, so the newer content is answered without waiting for it', async () => {
    const dir = await folderIn(home, 'superseded');
    const path = join(dir, 'a.wasm');
    // Fifty generations: a final rebuild of the demo takes long enough to be caught running.
    const { watchId } = await client.watch({ paths: [dir], options: { islands: 2, generations: 50, verify: 'off' } });
    await writeFile(path, demoModule(8));
    await client.waitForResults(1);
    await writeFile(path, demoModule(16));
    const deadline = Date.now() + 60_000;
    while (client.quick.length === 0 && Date.now() < deadline) await sleep(10);
    // The quick answer to 16 is out and its final rebuild runs: the input changes again.
    await writeFile(path, demoModule(24));
    const [, last] = await client.waitForResults(2);
    expect(last!.report!.input.sha256).toBe(sha256(demoModule(24)));
    expect(last).toMatchObject({ stage: 'final', cause: 'change' });
    expect(client.quick.map((r) => r.report!.input.sha256)).toEqual([sha256(demoModule(16)), sha256(demoModule(24))]);
    // No final result for 16 came, then or later.
    await client.quietFor(1000, 2);
    await client.unwatch(watchId);
  });

  it('reports an output path that became a folder (a quick rebuild checks it while it runs, and only logs its failure) and keeps watching', async () => {
    const dir = await folderIn(home, 'output-became-folder');
    const path = join(dir, 'a.wasm');
    const output = join(dir, 'a.opt.wasm');
    const { watchId } = await client.watch({ paths: [dir] });
    // Contents no other test builds: a first build the result cache answered leaves nothing to rebuild quickly from.
    await writeFile(path, demoModule(8, 7));
    const [first] = await client.waitForResults(1);
    expect(first!.summary!.fromResultCache).toBe(false);
    await unlink(output);
    await mkdir(output);
    await writeFile(path, demoModule(16, 7));
    const [, refused] = await client.waitForResults(2);
    expect(client.quick).toEqual([]);
    expect(refused!.error).toMatchObject({ code: ErrorCodes.OutputFailed });
    expect(refused!.error!.message).toContain('it is a folder');
    expect((await stat(output)).isDirectory()).toBe(true);
    await rmdir(output);
    await writeFile(path, demoModule(24, 7));
    const [, , rebuilt] = await client.waitForResults(3);
    expect(client.quick).toHaveLength(1);
    expect(client.quick[0]!.error).toBeUndefined();
    expect(rebuilt!.error).toBeUndefined();
    expect(sha256(await readFile(output))).toBe(rebuilt!.report!.output.sha256);
    await client.unwatch(watchId);
  });

  it('gives only final results with quick: false', async () => {
    const dir = await folderIn(home, 'no-quick');
    const path = join(dir, 'a.wasm');
    const { watchId } = await client.watch({ paths: [dir], quick: false });
    await writeFile(path, demoModule(8));
    await client.waitForResults(1);
    await writeFile(path, demoModule(16));
    const [, changed] = await client.waitForResults(2);
    expect(changed).toMatchObject({ stage: 'final', cause: 'change' });
    await client.quietFor(500, 2);
    expect(client.quick).toEqual([]);
    await client.unwatch(watchId);
  });

  it('refuses a path that does not exist and a file that is not .wasm', async () => {
    await expect(client.watch({ paths: [join(home.dir, 'nope')] })).rejects.toMatchObject({ code: ErrorCodes.FileNotFound });
    const text = join(home.dir, 'notes.txt');
    await writeFile(text, 'hi');
    await expect(client.watch({ paths: [text] })).rejects.toMatchObject({ code: ErrorCodes.InvalidParams });
    await expect(client.watch({ paths: [home.dir], suffix: '.wasm' })).rejects.toMatchObject({ code: ErrorCodes.BadOption });
    expect(await client.unwatch('w999')).toEqual({ stopped: false });
  });
});
