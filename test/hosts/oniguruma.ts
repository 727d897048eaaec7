import { requireFromHere, shippedModule, Transcript, type Workload } from './host.js';

interface Capture {
  start: number;
  end: number;
}
interface Oniguruma {
  loadWASM(data: ArrayBuffer): Promise<void>;
  createOnigScanner(patterns: string[]): {
    findNextMatchSync(text: string, start: number): { index: number; captureIndices: Capture[] } | null;
    dispose(): void;
  };
}

/** Pattern sets in the style of TextMate grammars (what VS Code runs oniguruma for), each with inputs. */
const CASES: Array<{ patterns: string[]; inputs: string[] }> = [
  {
    patterns: [
      '\\b(function|return|const|let|if|else)\\b',
      '"(?:[^"\\\\]|\\\\.)*"',
      '(?<![\\w$])\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?',
      '//.*$',
      '([A-Za-z_$][\\w$]*)\\s*(?=\\()',
    ],
    inputs: [
      'function add(a, b) { return a + b; } // sums',
      'const s = "say \\"hi\\"", n = 6.02e23; if (n) log(s); else warn(1)',
    ],
  },
  {
    patterns: ['(?i)<(/?)([a-z][a-z0-9-]*)([^>]*)>', '&(?:#\\d+|#x[0-9a-f]+|[a-z]+);', '\\p{Lu}\\p{Ll}+'],
    inputs: ['<DIV class="x">Hello &amp; Grüße &#x1F600; Ωmega</div><br/>', 'Ärger über Ödland'],
  },
  {
    patterns: ['(a|ab)(c|bcd)(d*)', '(?=(\\w+))\\1:', '^\\s*(#+)\\s*(.*?)\\s*#*$', '(x+x+)+y'],
    inputs: ['abcd abcdd abbcd', 'key: value other:thing', '## A heading ##', 'xxxxxxxxxxxxxxxxxxxxy'],
  },
];

/** vscode-oniguruma: the Oniguruma regex engine (Emscripten), loaded with `loadWASM(bytes)`. */
export const oniguruma: Workload = {
  name: 'oniguruma',
  sizeClass: 'medium',
  ...shippedModule('vscode-oniguruma', 'release/onig.wasm'),
  async transcript(bytes) {
    const onig = requireFromHere('vscode-oniguruma') as Oniguruma;
    await onig.loadWASM(bytes.slice().buffer);
    const out = new Transcript();
    CASES.forEach(({ patterns, inputs }, caseIndex) => {
      const scanner = onig.createOnigScanner(patterns);
      for (const [inputIndex, text] of inputs.entries()) {
        const matches: string[] = [];
        for (let position = 0; position <= text.length; ) {
          const match = scanner.findNextMatchSync(text, position);
          if (!match) break;
          matches.push(`${match.index}@${match.captureIndices.map((c) => `${c.start}-${c.end}`).join(',')}`);
          position = Math.max(match.captureIndices[0]!.end, position + 1);
        }
        out.add(`case ${caseIndex} input ${inputIndex}`, matches);
      }
      scanner.dispose();
    });
    return out.toString();
  },
};
