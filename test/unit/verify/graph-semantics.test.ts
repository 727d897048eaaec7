import { describe, expect, it } from 'vitest';
import { emitAssertions } from '../../../src/verify/graph/emit.js';
import { bitsOfFloat, evaluateTerm, parseBvLiteral, type Concrete } from '../../../src/verify/graph/semantics.js';
import { Graph, bvSort, type Op, type Sort, type Term } from '../../../src/verify/graph/terms.js';
import { Prng } from '../../../src/util/prng.js';
import { z3SessionForFile } from './z3-session.js';

/**
 * Each operator of the value graph means the same in SMT-LIB (what z3 is asked) and in concrete evaluation
 * (constant folding, the graph interpreter): for random and edge-value operands at each width, z3's value of
 * the SMT text equals the concrete value. One query per operator and width evaluates every sample at once.
 */

const session = z3SessionForFile();

const SAMPLES = 40;

function edgeOrRandom(prng: Prng, width: number): bigint {
  const r = prng.next();
  const edges = [0n, 1n, 2n, 7n, BigInt(width - 1), BigInt(width), BigInt(width + 1), (1n << BigInt(width)) - 1n, 1n << BigInt(width - 1), (1n << BigInt(width - 1)) - 1n];
  if (r < 0.4) return BigInt.asUintN(width, edges[Math.floor(prng.next() * edges.length)]!);
  let v = 0n;
  for (let i = 0; i < width; i += 16) v = (v << 16n) | BigInt(Math.floor(prng.next() * 65536));
  return BigInt.asUintN(width, v);
}

interface Case { op: Op; args: (width: number) => Sort[]; sort: (width: number) => Sort; data?: (width: number, prng: Prng) => Term['data'] }

const bv = (n: number) => (w: number) => Array.from({ length: n }, () => bvSort(w));
const same = (w: number) => bvSort(w);
const CASES: Case[] = [
  ...(['add', 'mul', 'and', 'or', 'xor', 'shl', 'lshr', 'ashr', 'rotl', 'rotr', 'divs', 'divu', 'rems', 'remu'] as Op[]).map((op) => ({ op, args: bv(2), sort: same })),
  ...(['add', 'mul', 'and', 'or', 'xor'] as Op[]).map((op) => ({ op, args: bv(3), sort: same })),
  ...(['clz', 'ctz', 'popcnt'] as Op[]).map((op) => ({ op, args: bv(1), sort: same })),
  { op: 'zext', args: (w) => [bvSort(w / 2)], sort: same },
  { op: 'sext', args: (w) => [bvSort(w / 2)], sort: same },
  { op: 'extract', args: bv(1), sort: (w) => bvSort(w / 4), data: (w) => [w / 2 + w / 4 - 1, w / 2] },
  { op: 'concat', args: (w) => [bvSort(w / 2), bvSort(w / 2)], sort: same },
  { op: 'b2bv', args: () => ['bool'], sort: same },
  { op: 'eq', args: bv(2), sort: () => 'bool' },
  { op: 'ult', args: bv(2), sort: () => 'bool' },
  { op: 'slt', args: bv(2), sort: () => 'bool' },
  { op: 'ite', args: (w) => ['bool', bvSort(w), bvSort(w)], sort: same },
  { op: 'not', args: () => ['bool'], sort: () => 'bool' },
  { op: 'band', args: () => ['bool', 'bool', 'bool'], sort: () => 'bool' },
  { op: 'bor', args: () => ['bool', 'bool'], sort: () => 'bool' },
];

const FLOAT_EDGES = [0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 63, -(2 ** 63), 2 ** 64, 4294967295.5, -0.999, Infinity, -Infinity, NaN];

async function check(graph: Graph, cases: Array<{ term: Term; value: Concrete }>): Promise<string[]> {
  // Each sample's term is bound to a fresh output constant; the model's values are compared.
  const assertions = cases.map(({ term }, i) => graph.intern('eq', 'bool', [graph.intern('var', term.sort, [], `out${i}`), term]));
  const answer = await session().check(emitAssertions(assertions).text, { workMs: 60_000 });
  if (answer.status !== 'sat') return [`z3 said ${answer.status}`];
  const wrong: string[] = [];
  cases.forEach(({ term, value }, i) => {
    const text = answer.model[`out${i}`];
    const got = term.sort === 'bool' ? text === 'true' : parseBvLiteral(text ?? '');
    if (got !== value) wrong.push(`${term.op}(${term.args.map((a) => String(a.data)).join(', ')}) = ${String(value)} concretely, ${text} in z3`);
  });
  return wrong;
}

describe('operator meanings: SMT-LIB against concrete evaluation', () => {
  for (const c of CASES) {
    for (const width of [32, 64]) {
      it(`${c.op} at ${width} bits (${c.args(width).length} operands)`, async () => {
        const prng = new Prng(width * 31 + c.op.length);
        const graph = new Graph();
        const samples: Array<{ term: Term; value: Concrete }> = [];
        for (let n = 0; n < SAMPLES; n++) {
          const args = c.args(width).map((s) => (s === 'bool' ? graph.intern('bool', 'bool', [], prng.next() < 0.5) : graph.intern('const', s, [], edgeOrRandom(prng, Number(s.slice(2))))));
          const term = graph.intern(c.op, c.sort(width), args, c.data?.(width, prng) ?? null);
          samples.push({ term, value: evaluateTerm(term, args.map((a) => a.data as Concrete))! });
        }
        expect(await check(graph, samples)).toEqual([]);
      });
    }
  }
  for (const op of ['TruncSFloat32ToInt32', 'TruncUFloat32ToInt32', 'TruncSFloat64ToInt64', 'TruncUFloat64ToInt64', 'TruncSatSFloat64ToInt32', 'TruncSatUFloat32ToInt64']) {
    it(`${op} and whether it traps, on edge values`, async () => {
      const m = /Float(32|64)ToInt(32|64)$/.exec(op)!;
      const from = Number(m[1]);
      const to = Number(m[2]);
      const graph = new Graph();
      const samples: Array<{ term: Term; value: Concrete }> = [];
      for (const x of FLOAT_EDGES) {
        const arg = graph.intern('const', bvSort(from), [], bitsOfFloat(x, from));
        const trap = graph.intern('truncTrap', 'bool', [arg], op);
        const traps = evaluateTerm(trap, [arg.data as bigint]) as boolean;
        samples.push({ term: trap, value: traps });
        // The value of a trapping truncation is never observed.
        if (!traps) {
          const value = graph.intern('trunc', bvSort(to), [arg], op);
          samples.push({ term: value, value: evaluateTerm(value, [arg.data as bigint])! });
        }
      }
      expect(await check(graph, samples)).toEqual([]);
    });
  }
});
