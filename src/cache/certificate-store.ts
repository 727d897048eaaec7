import type { Certificate, CertificateStore } from '../verify/certificate.js';
import { sha256 } from '../wasm/ingest.js';
import { ContentStore } from './content-store.js';

/**
 * The certificates of strict outputs the daemon wrote, one JSON file per (input, output) pair, so that
 * `atoll verify IN OUT` of that exact pair can re-check the chain of steps that made it. Nothing here is
 * trusted: the engine re-checks a certificate before it counts, so a corrupt or edited file only costs a
 * fall-back to checking the pair as a whole jump; an unreadable one is reported missing.
 */
export class DiskCertificateStore implements CertificateStore {
  private readonly store: ContentStore;

  constructor(directory: string) {
    this.store = new ContentStore(directory, 'json');
  }

  async get(input: string, output: string): Promise<Certificate | undefined> {
    const read = await this.store.read(keyOf(input, output));
    if (read.kind !== 'entry') return undefined;
    try {
      return JSON.parse(read.bytes.toString('utf8')) as Certificate;
    } catch {
      return undefined;
    }
  }

  async set(certificate: Certificate): Promise<void> {
    await this.store.write(keyOf(certificate.input, certificate.output), JSON.stringify(certificate));
  }

  list(): ReturnType<ContentStore['list']> {
    return this.store.list();
  }

  sweep(): ReturnType<ContentStore['sweep']> {
    return this.store.sweep();
  }

  clear(): ReturnType<ContentStore['clear']> {
    return this.store.clear();
  }
}

const keyOf = (input: string, output: string) => sha256(`${input}:${output}`);
