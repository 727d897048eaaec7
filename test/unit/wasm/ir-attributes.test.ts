import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binaryen, readModule } from '../../../src/wasm/binaryen.js';
import { attributesOf, extractModule, forEachNode, sameAttributes, type IrNode } from '../../../src/wasm/ir.js';

/**
 * sameAttributes answers what comparing attributesOf's strings answers (local-change.ts compares whole bodies
 * with it), on every pair of nodes of a real module's functions that share a kind.
 */
describe('node attributes', () => {
  it('sameAttributes agrees with attributesOf on every pair of nodes of one kind', () => {
    const module = readModule(readFileSync('node_modules/rabin-wasm/dist/rabin.wasm'), binaryen.Features.All);
    let nodes: IrNode[] = [];
    try {
      for (const fn of extractModule(binaryen, module).functions) forEachNode(fn.body, (node) => nodes.push(node));
    } finally {
      module.dispose();
    }
    // A bounded sample per kind keeps the pairs few; every kind the module uses is in it.
    const byKind = new Map<string, IrNode[]>();
    for (const node of nodes) {
      const list = byKind.get(node.kind) ?? [];
      if (list.length < 60) list.push(node);
      byKind.set(node.kind, list);
    }
    nodes = [];
    let agreed = 0;
    let equal = 0;
    for (const list of byKind.values()) {
      for (const a of list) {
        for (const b of list) {
          const expected = attributesOf(a) === attributesOf(b);
          expect(sameAttributes(a, b), `${attributesOf(a)} / ${attributesOf(b)}`).toBe(expected);
          agreed++;
          if (expected) equal++;
        }
      }
    }
    expect(byKind.size).toBeGreaterThan(10);
    expect(equal).toBeGreaterThan(0);
    expect(agreed).toBeGreaterThan(equal);
  });

  it('attributesOf leaves out the children that are set and keeps the unset ones as null', () => {
    const get: IrNode = { kind: 'local.get', type: 'i32', local: 0 };
    expect(attributesOf({ kind: 'br', type: 'none', label: 'l', value: null, condition: get })).toBe('{"kind":"br","type":"none","label":"l","value":null}');
    expect(attributesOf({ kind: 'block', type: 'i32', label: null, children: [get] })).toBe('{"kind":"block","type":"i32","label":null}');
  });
});
