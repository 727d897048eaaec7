import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { featuresFor } from '../../bench/baselines.js';
import { flipHottestAdds } from '../hosts/corrupt.js';
import { describeDifferential } from '../hosts/differential.js';
import { hostNamed, hosts } from '../hosts/index.js';

// The one corpus build quick enough for a test (asc, a few seconds) needs only npm packages, so it is built
// here rather than skipped when missing; the slow C builds stay in the bench.
execFileSync('sh', ['scripts/build-corpus.sh', 'as-kit'], { stdio: 'inherit' });

const small = hosts.filter((h) => h.sizeClass === 'small');
// What ships is the verified module, so workloads should run on strict output; but checking every pass step
// with today's checker takes minutes per module on this 2-core machine, so here strict covers the
// unoptimized build (the most changes) and the quick hash-wasm modules, and the others run unverified;
// argon2-browser's strict output has its own test (strict-emscripten.test.ts). The bench runs every
// module's workload on default (strict) output.
const strictInTime = new Set(['as-kit-O0', 'hash-wasm-crc32', 'hash-wasm-sha256']);
describeDifferential(
  'differential: small real modules, verified',
  small.filter((h) => strictInTime.has(h.name)),
  { verify: 'strict', timeoutMs: 900_000 },
);
describeDifferential(
  'differential: small real modules, unverified',
  small.filter((h) => !strictInTime.has(h.name)),
  { verify: 'off' },
);

describe('the workloads compute what their packages promise', () => {
  const sha256OfAbc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  for (const name of ['as-sha256', 'hash-wasm-sha256']) {
    it(`${name} gives the FIPS 180-2 answer for sha256("abc")`, async () => {
      const host = hostNamed(name);
      expect(await host.run(await host.original())).toContain(`abc: ${sha256OfAbc}`);
    });
  }

  it('hash-wasm-crc32 gives the standard check value for "123456789"', async () => {
    const host = hostNamed('hash-wasm-crc32');
    expect(await host.run(await host.original())).toContain('123456789: cbf43926');
  });

  it('argon2-browser gives the RFC 9106 §5.3 Argon2id tag', async () => {
    // The tag as RFC 9106 §5.3 prints it (password 32×01, salt 16×02, secret 8×03, ad 12×04, t=3, m=32, p=4).
    const rfcTag = '0d 64 0d f5 8d 78 76 6c 08 c0 37 a3 4a 8b 53 c9 d0 1e f0 45 2d 75 b6 5e b5 25 20 e9 6b 01 e6 59';
    const host = hostNamed('argon2-browser');
    const line = (await host.run(await host.original())).split('\n').find((l) => l.startsWith('rfc9106 argon2id: '));
    const { hashHex } = JSON.parse(line!.slice('rfc9106 argon2id: '.length)) as { hashHex: string };
    expect(hashHex).toBe(rfcTag.replaceAll(' ', ''));
  });
});

describe('negative control: the harness catches a miscompile', () => {
  for (const name of ['as-sha256', 'rabin', 'hash-wasm-blake3', 'argon2-browser']) {
    it(`${name}: i32.add turned into i32.sub in the hottest function changes the transcript or fails`, async () => {
      const host = hostNamed(name);
      const original = await host.original();
      const corrupted = flipHottestAdds(original, host.features ?? featuresFor(original));
      expect(corrupted.flipped).toBeGreaterThan(0);
      const expected = await host.run(original);
      const outcome = await host.run(corrupted.bytes).then(
        (transcript) => ({ transcript }),
        (error: Error) => ({ error: error.message }),
      );
      if ('transcript' in outcome) expect(outcome.transcript).not.toBe(expected);
      else expect(outcome.error).toMatch(new RegExp(name));
    });
  }

  it('a module that is not the package\'s makes the host fail instead of falling back to the original', async () => {
    // rabin's bytes handed to the as-sha256 host: as-sha256 compiles them (they replace its module) but
    // cannot instantiate them, so the run must fail rather than print the original module's transcript.
    await expect(hostNamed('as-sha256').run(await hostNamed('rabin').original())).rejects.toThrow(/as-sha256/);
  });
});
