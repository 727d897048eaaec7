import { shippedModule, Transcript, type Workload } from './host.js';

/** JavaScript sources to parse: ordinary code, modern syntax, and an error the parser must recover from. */
const SOURCES = [
  `export async function* walk(tree, visit = (n) => n) {
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'object' && value !== null) yield* walk(value, visit);
    else yield visit({ key, value });
  }
}`,
  `class Cache extends Map {
  #hits = 0;
  static of(...pairs) { return new Cache(pairs); }
  get(key) { this.#hits++; return super.get(key) ?? \`missing \${key}\`; }
}
const re = /a+(?<name>b)*/giu, n = 0x1f_ff n ?? 1e-3;`,
  `label: while (i < 10) { switch (i) { case 1: continue label; default: i += 2 } }
const jsx = <Panel title="t">{items.map(i => <Item key={i.id} {...i} />)}</Panel>;`,
];

async function parseAll(runtime: Uint8Array | undefined, grammar: Uint8Array): Promise<string> {
  const { Parser, Language } = await import('web-tree-sitter');
  await Parser.init(runtime ? { wasmBinary: runtime } : undefined);
  const language = await Language.load(grammar);
  const parser = new Parser();
  parser.setLanguage(language);
  const out = new Transcript();
  out.add('abi', language.abiVersion);
  for (const [index, source] of SOURCES.entries()) {
    const tree = parser.parse(source);
    if (!tree) throw new Error(`tree-sitter returned no tree for source ${index}`);
    out.add(`tree ${index}`, tree.rootNode.toString());
    out.add(`errors ${index}`, tree.rootNode.hasError);
    tree.delete();
  }
  parser.delete();
  return out.toString();
}

const runtime = shippedModule('web-tree-sitter', 'web-tree-sitter.wasm');
const javascriptGrammar = shippedModule('tree-sitter-javascript', 'tree-sitter-javascript.wasm');

/** The tree-sitter runtime (Emscripten main module), handed to `Parser.init` as its wasm binary. */
export const treeSitterRuntime: Workload = {
  name: 'tree-sitter-runtime',
  sizeClass: 'medium',
  ...runtime,
  transcript: async (bytes) => parseAll(bytes, await javascriptGrammar.original()),
};

/** The JavaScript grammar (a side module: parse tables and a scanner), loaded with `Language.load`. */
export const treeSitterJavascript: Workload = {
  name: 'tree-sitter-javascript',
  sizeClass: 'medium',
  ...javascriptGrammar,
  transcript: (bytes) => parseAll(undefined, bytes),
};
