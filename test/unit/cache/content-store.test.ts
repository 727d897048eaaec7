import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryAuthenticator } from '../../../src/cache/authenticator.js';
import { Caches } from '../../../src/cache/caches.js';
import { ContentStore } from '../../../src/cache/content-store.js';
import type { Verdict } from '../../../src/protocol/report.js';

/** issue #12, "Wrong answers from the caches": what sits in a cache folder besides well-formed entries. */

const KEY = 'cd'.repeat(32);
const PROVED: Verdict = { status: 'proved', method: 'smt' };
const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('cache files', () => {
  let dir: string;
  let umask: number;
  const proofs = () => new Caches(dir).proofs;
  const entry = join('proofs', 'cd', `${KEY}.json`);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atoll-store-'));
    // The usual umask: the modes below must not come from it.
    umask = process.umask(0o022);
  });
  afterEach(async () => {
    process.umask(umask);
    await rm(dir, { recursive: true, force: true });
  });

  it('makes folders 0700 and entries 0600', async () => {
    await proofs().set(KEY, PROVED);
    expect(await mode(join(dir, 'proofs'))).toBe(0o700);
    expect(await mode(join(dir, 'proofs', 'cd'))).toBe(0o700);
    expect(await mode(join(dir, entry))).toBe(0o600);
  });

  it('removes a folder in place of an entry, answers a miss, and writes the entry again', async () => {
    await mkdir(join(dir, entry, 'inner'), { recursive: true });
    const cache = proofs();
    expect(await cache.get(KEY)).toBeUndefined();
    expect((await cache.stats()).disk.corrupt).toBe(1);
    await cache.set(KEY, PROVED);
    expect(await proofs().get(KEY)).toEqual(PROVED);

    // And a write that finds the folder first (no read before it).
    await rm(join(dir, entry));
    await mkdir(join(dir, entry));
    await proofs().set(KEY, PROVED);
    expect(await proofs().get(KEY)).toEqual(PROVED);
  });

  it('removes a file in place of a shard folder, answers a miss, and writes the entry again', async () => {
    await mkdir(join(dir, 'proofs'), { recursive: true });
    await writeFile(join(dir, 'proofs', 'cd'), 'not a folder');
    const cache = proofs();
    expect(await cache.get(KEY)).toBeUndefined();
    await writeFile(join(dir, 'proofs', 'cd'), 'not a folder');
    await cache.set(KEY, PROVED);
    expect(await proofs().get(KEY)).toEqual(PROVED);
  });

  it('never follows a symbolic link at an entry path, nor blocks on a FIFO there', async () => {
    const outside = join(dir, 'outside.json');
    await writeFile(outside, 'precious');
    await mkdir(dirname(join(dir, entry)), { recursive: true });
    await symlink(outside, join(dir, entry));
    const cache = proofs();
    expect(await cache.get(KEY)).toBeUndefined();
    await cache.set(KEY, PROVED);
    expect(await readFile(outside, 'utf8')).toBe('precious');

    await rm(join(dir, entry));
    execFileSync('mkfifo', [join(dir, entry)]);
    expect(await proofs().get(KEY)).toBeUndefined();
    await proofs().set(KEY, PROVED);
    expect(await proofs().get(KEY)).toEqual(PROVED);
  });

  it("at start, removes temp files of writers that are gone and narrows older caches' modes", async () => {
    const store = new ContentStore(join(dir, 'proofs'), 'json');
    await store.write(KEY, 'x');
    const shard = join(dir, 'proofs', 'cd');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const killedMidWrite = join(shard, `.${KEY}.json.${dead}.0123abcd.tmp`);
    const stillWriting = join(shard, `.${KEY}.json.${process.ppid}.4567cdef.tmp`);
    const abandoned = join(shard, `.${KEY}.json.${process.ppid}.89abcdef.tmp`);
    for (const path of [killedMidWrite, stillWriting, abandoned]) await writeFile(path, 'half');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(abandoned, twoHoursAgo, twoHoursAgo);
    await chmod(shard, 0o755);
    await chmod(join(shard, `${KEY}.json`), 0o644);

    expect(await store.sweep()).toEqual({ staleTemps: 2, modesFixed: 2 });
    await expect(stat(killedMidWrite)).rejects.toThrow(/ENOENT/);
    await expect(stat(abandoned)).rejects.toThrow(/ENOENT/);
    expect((await stat(stillWriting)).isFile()).toBe(true);
    expect(await mode(shard)).toBe(0o700);
    expect(await mode(join(shard, `${KEY}.json`))).toBe(0o600);
  });

  it('lists only regular files', async () => {
    const store = new ContentStore(join(dir, 'results'), 'bin');
    await store.write(KEY, 'x');
    await mkdir(join(dir, 'results', 'cd', `${'ef'.repeat(32)}.bin`));
    await symlink('/etc/passwd', join(dir, 'results', 'cd', `${'01'.repeat(32)}.bin`));
    expect((await store.list()).map((e) => e.key)).toEqual([KEY]);
  });

  it('authenticates with the key of its own cache directory', () => {
    const a = EntryAuthenticator.forDirectory(dir);
    expect(a.verifies(a.mac(KEY, 'x'), KEY, 'x')).toBe(true);
    expect(a.verifies(a.mac(KEY, 'x'), KEY, 'y')).toBe(false);
    expect(a.verifies(a.mac(KEY, 'x', ''), KEY, '', 'x')).toBe(false);
    expect(EntryAuthenticator.forDirectory(dir).verifies(a.mac(KEY, 'x'), KEY, 'x')).toBe(true);
  });
});
