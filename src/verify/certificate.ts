/**
 * A strict-mode output's certificate: the chain of proved (function, pass) steps from the input to the output.
 * It is a recipe with its decisions, not a list of bodies: which binaryen passes ran, in order, under which
 * options, and after each pass which changed functions were kept (with the hash of the body each was left
 * with). `atoll verify IN OUT --proof FILE` replays it with the same binaryen, keeps exactly those changes,
 * proves every kept step again (nothing in the file is believed: a step that does not prove, a body whose
 * hash differs, or an end that is not OUT rejects it) and requires the last module to be OUT byte for byte.
 */
import type { Knobs } from '../islands/genome.js';

export const CERTIFICATE_FORMAT = 'atoll-certificate-1';

/** Where certificates are kept between runs, by the input and output they are about (the daemon: on disk). */
export interface CertificateStore {
  get(input: string, output: string): Promise<Certificate | undefined>;
  set(certificate: Certificate): Promise<void>;
}

export interface Certificate {
  format: typeof CERTIFICATE_FORMAT;
  /** Versions that must match for the replay to produce the same candidates. */
  versions: { atoll: string; binaryen: string };
  /** binaryen feature flags both modules are read with. */
  features: number;
  /** sha256 of the input and of the output as written. */
  input: string;
  output: string;
  /** The output keeps the name section (otherwise it is the last segment's module without it). */
  keepNames: boolean;
  /** Pipelines applied one after the other, the first to the input with every function named. */
  segments: ProofSegment[];
}

/** One pipeline's run: from a module (as bytes with names) through passes to the bytes it emitted. */
export interface ProofSegment {
  /** binaryen's global options while the passes ran (see workers/knobs.ts). */
  knobs: SegmentKnobs;
  /** sha256 of the named bytes the segment starts from. */
  from: string;
  passes: SegmentPass[];
  /** Defined functions written with stack IR optimization at the end; the others are written as they stand. */
  optimizedAtEmit: string[];
  /** sha256 of the named bytes the segment ends with. */
  to: string;
}

/** A genome's knobs but `converge`: the segment lists the passes each round actually ran. */
export type SegmentKnobs = Omit<Knobs, 'converge'>;

export interface SegmentPass {
  pass: string;
  /** Changed functions whose new body stayed: [name, sha256 of its IR after the pass, how it was proved]. */
  kept?: Array<[string, string, string]>;
  /** The whole step went back, with the reason. */
  whole?: string;
  /**
   * The `assemble` pseudo-pass only: the donor modules (named, base64) that gave a kept body, in the order the
   * assembly ranked them; the input is always a donor. They are candidates, not evidence: every kept body is
   * proved again against the body it replaced.
   */
  donors?: string[];
  /**
   * On the first pass of a span (consecutive passes that each work inside one function): the span's length in
   * passes, and the functions whose change over the whole span stayed, proved in one step from the body before
   * this pass to the body after the span's last pass. The functions that were not went back to their bodies
   * before the span and ran it pass by pass: their steps are the `kept` of each pass.
   */
  span?: { passes: number; kept: Array<[string, string, string]> };
}

/** The certificate's shape checked before anything is replayed; the reason it is malformed, or undefined. */
export function malformedCertificate(value: unknown): string | undefined {
  const c = value as Partial<Certificate> | null;
  if (!c || typeof c !== 'object') return 'not a JSON object';
  if (c.format !== CERTIFICATE_FORMAT) return `format is not ${CERTIFICATE_FORMAT}`;
  if (!c.versions || typeof c.versions.atoll !== 'string' || typeof c.versions.binaryen !== 'string') return 'versions missing';
  if (typeof c.features !== 'number' || typeof c.input !== 'string' || typeof c.output !== 'string' || typeof c.keepNames !== 'boolean') {
    return 'features, input, output or keepNames missing';
  }
  if (!Array.isArray(c.segments) || c.segments.length === 0) return 'no segments';
  for (const [i, s] of c.segments.entries()) {
    if (!s || typeof s.from !== 'string' || typeof s.to !== 'string' || !Array.isArray(s.passes) || !Array.isArray(s.optimizedAtEmit) || !s.knobs) {
      return `segment ${i} is incomplete`;
    }
    for (const p of s.passes) {
      if (!p || typeof p.pass !== 'string') return `segment ${i} names a pass without a name`;
      if ((p.kept !== undefined && !wellFormedKept(p.kept)) || (p.span !== undefined && !wellFormedKept(p.span.kept))) {
        return `segment ${i}, pass ${p.pass}: kept steps are malformed`;
      }
      if (p.span !== undefined && !(Number.isInteger(p.span.passes) && p.span.passes >= 2)) return `segment ${i}, pass ${p.pass}: the span's length is malformed`;
      if (p.donors !== undefined && (!Array.isArray(p.donors) || p.donors.some((d) => typeof d !== 'string'))) {
        return `segment ${i}, pass ${p.pass}: donors are malformed`;
      }
    }
  }
  return undefined;
}

function wellFormedKept(kept: unknown): boolean {
  return Array.isArray(kept) && kept.every((k) => Array.isArray(k) && k.length === 3 && k.every((x) => typeof x === 'string'));
}
