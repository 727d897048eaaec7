import { describe, expect, it } from 'vitest';
import { emitAssertions } from '../../../src/verify/graph/emit.js';
import { instantiate, type Bindings, type Pattern, type PatternBuilder } from '../../../src/verify/graph/patterns.js';
import { LAWS, RULES, compileRule, type Rule } from '../../../src/verify/graph/rules.js';
import { Graph, bvSort, type Sort, type Term } from '../../../src/verify/graph/terms.js';
import { z3SessionForFile } from './z3-session.js';

/**
 * Every normalisation rule and law of the value graph, proved with z3 as Alive proves peepholes: for every
 * value of its variables (constants included, as symbols) and at each width, `pre` implies lhs = rhs. Both
 * sides are built raw — without normalisation, which would turn one into the other and prove nothing — and
 * written with the same SMT meaning the checker's queries use.
 */

const session = z3SessionForFile();

const WIDTHS = [8, 32, 64];

/**
 * Builds terms as asked. A rule's `(zeros x)` / `(ones x)` becomes a free value F with what known bits mean
 * as a hypothesis — x has zeros where F has ones (x & F = 0), or ones there (x & F = F) — so the rule is
 * proved for every fact known-bits.ts could supply, whatever x is.
 */
function raw(graph: Graph, hypotheses: Term[] = []): PatternBuilder {
  const constant = (value: bigint, width: number) => graph.intern('const', bvSort(width), [], BigInt.asUintN(width, value));
  return {
    constant,
    bool: (value) => graph.intern('bool', 'bool', [], value),
    apply: (op, sort, args, data) => graph.intern(op, sort, args, data),
    fact: (fact, of) => {
      const known = graph.intern('var', of.sort, [], `${fact}_${of.id}`);
      const bits = graph.intern('and', of.sort, [of, known]);
      hypotheses.push(graph.intern('eq', 'bool', [bits, fact === 'zeros' ? constant(0n, of.width) : known]));
      return known;
    },
  };
}

function variables(p: Pattern, out: Map<string, Pattern & { kind: 'var' }>): void {
  if (p.kind === 'var') out.set(p.name, p);
  if (p.kind === 'op') p.args.forEach((a) => variables(a, out));
  if (p.kind === 'fact') variables(p.of, out);
}

const sized = (p: Pattern): boolean => p.kind === 'var' ? p.width !== undefined : p.kind === 'op' && (p.data !== undefined || p.args.some(sized));

async function proves(rule: Rule, width: number): Promise<string> {
  const compiled = compileRule(rule);
  if (compiled.byCases) {
    for (let k = 0; k < width; k++) {
      const answer = await provesCase(compiled, width, new Map([[compiled.byCases.constant, 1n << BigInt(k)]]));
      if (answer !== 'unsat') return `${answer} for ${compiled.byCases.constant} = 2^${k}`;
    }
    return 'unsat';
  }
  return provesCase(compiled, width, new Map());
}

async function provesCase(compiled: ReturnType<typeof compileRule>, width: number, fixed: Map<string, bigint>): Promise<string> {
  const graph = new Graph();
  const hypotheses: Term[] = [];
  const build = raw(graph, hypotheses);
  const vars = new Map<string, Pattern & { kind: 'var' }>();
  for (const p of [compiled.lhs, compiled.rhs, compiled.pre]) if (p) variables(p, vars);
  const bindings: Bindings = new Map();
  for (const [name, v] of vars) {
    const sort: Sort = v.type === 'bool' ? 'bool' : v.type === 'mem' ? 'mem32' : bvSort(v.width ?? width);
    const value = fixed.get(name);
    bindings.set(name, value === undefined ? graph.intern('var', sort, [], `v_${name}`) : build.constant(value, v.width ?? width));
  }
  const lhs = instantiate(compiled.lhs, bindings, bvSort(width), build);
  const rhs = instantiate(compiled.rhs, bindings, lhs.sort, build);
  const differ = graph.intern('not', 'bool', [graph.intern('eq', 'bool', [lhs, rhs])]);
  const assumed: Term[] = compiled.pre ? [instantiate(compiled.pre, bindings, 'bool', build), ...hypotheses] : [];
  // A precondition no values meet would prove anything: it must be satisfiable.
  if (assumed.length > 0 && (await check(assumed)) !== 'sat') return 'a precondition nothing meets';
  return check([differ, ...assumed]);
}

async function check(assertions: Term[]): Promise<string> {
  return (await session().check(emitAssertions(assertions).text, { workMs: 20_000 })).status;
}

describe('value-graph rules (applied by matching)', () => {
  for (const rule of RULES) {
    it(`${rule.name}: ${rule.lhs} → ${rule.rhs}${rule.pre ? ` when ${rule.pre}` : ''}`, async () => {
      for (const w of sized(compileRule(rule).lhs) ? [0] : WIDTHS) expect(await proves(rule, w || 32), `width ${w}`).toBe('unsat');
    });
  }
});

describe('value-graph laws (applied by the builder\'s normal forms)', () => {
  for (const law of LAWS) {
    it(`${law.name}: ${law.lhs} = ${law.rhs}`, async () => {
      for (const w of sized(compileRule(law).lhs) ? [0] : WIDTHS) expect(await proves(law, w || 32), `width ${w}`).toBe('unsat');
    });
  }
});
