import { addTotals } from './totals.js';
import type { PassStepTotals } from '../../protocol/report.js';
import { malformedCertificate, type Certificate } from '../../verify/certificate.js';
import { sha256 } from '../../wasm/ingest.js';
import { nameEveryFunctionAndGlobal, withoutNameSection } from '../../wasm/names.js';
import { withoutUnusedDataCount } from '../../wasm/data-count.js';
import type { CertificateCheck } from '../binaryen-tasks.js';
import { PipelineRejected, runProvedPipeline, type PipelineEnv } from './proved-pipeline.js';

/**
 * Re-checks a certificate without trusting it: every segment is replayed with the same binaryen from the
 * module the previous one ended with (the input, every function named, for the first), keeping exactly the
 * steps it lists; each kept step must prove again and leave the body the certificate names, each segment
 * must end at the bytes it names, and the last must be `output` byte for byte. What the file controls is
 * which candidate changes are considered; whether they hold is decided here.
 */
export async function checkCertificate(
  input: Uint8Array,
  output: Uint8Array,
  raw: unknown,
  versions: { atoll: string; binaryen: string },
  env: PipelineEnv,
): Promise<CertificateCheck> {
  const rejected = (reason: string): CertificateCheck => ({ accepted: false, reason, functions: [], passes: [], steps: 0 });
  const malformed = malformedCertificate(raw);
  if (malformed) return rejected(`the certificate is malformed: ${malformed}`);
  const certificate = raw as Certificate;
  if (certificate.versions.binaryen !== versions.binaryen) {
    return rejected(`made with binaryen ${certificate.versions.binaryen}; this atoll runs binaryen ${versions.binaryen}, whose passes may differ`);
  }
  if (certificate.versions.atoll !== versions.atoll) {
    return rejected(`made by atoll ${certificate.versions.atoll}; this is atoll ${versions.atoll} (the chain's body hashes depend on its IR)`);
  }
  if (certificate.input !== sha256(input)) return rejected('made for another input module');
  if (certificate.output !== sha256(output)) return rejected('made for another output module');
  if (certificate.segments.length === 0) {
    return sha256(input) === sha256(output) ? { accepted: true, functions: [], passes: [], steps: 0 } : rejected('no steps, but the output is not the input');
  }

  const chains = new Map<string, Array<{ pass: string; method: string }>>();
  const totals = new Map<string, PassStepTotals>();
  let steps = 0;
  const named = nameEveryFunctionAndGlobal(input);
  let bytes = named;
  for (const [i, segment] of certificate.segments.entries()) {
    try {
      const result = await runProvedPipeline(
        { base: bytes, flags: certificate.features, knobs: segment.knobs, passes: [], converge: 1, mode: { follow: segment }, assembly: { input: named, donors: [] } },
        { ...env, check: { ...env.check, featureFlags: certificate.features } },
      );
      for (const step of result.proved) {
        const chain = chains.get(step.function) ?? [];
        chain.push({ pass: step.pass, method: step.method });
        chains.set(step.function, chain);
        steps++;
      }
      for (const pass of result.passes) addTotals(totals, pass);
      bytes = result.named;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return rejected(`segment ${i + 1} of ${certificate.segments.length}: ${error instanceof PipelineRejected ? why : `the replay failed: ${why}`}`);
    }
  }
  // As the engine writes its output (engine.finish).
  const final = withoutUnusedDataCount(certificate.keepNames ? bytes : withoutNameSection(bytes));
  if (sha256(final) !== sha256(output)) return rejected('the chain ends at a module other than the output');
  const functions = [...chains].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, chain]) => ({ name, steps: chain }));
  return { accepted: true, functions, passes: [...totals.values()], steps };
}

