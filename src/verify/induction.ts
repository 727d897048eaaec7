import { childrenOf, type IrFunction, type IrType, type IrLoop, type IrNode } from '../wasm/ir.js';
import type { ModuleContext } from './context.js';
import { envDiffers, queryFor, paramName, sharedInputs } from './encode/query.js';
import { SideEncoder, sameTraps, widthOf, type SideResult } from './encode/side.js';
import { expandLoopCalls } from './expand-calls.js';
import { Builder } from './graph/build.js';
import { parseBvLiteral } from './graph/semantics.js';
import { bvSort, constValue, type BV, type Bool } from './graph/terms.js';

/**
 * Induction at matched loop headers (cut points). Every loop header of both functions is a cut point, and
 * loops are matched one to one in pre-order. Between cut points the code is loop-free, so each *segment* —
 * from the function's entry, or from a header — is encoded exactly up to the next cut point reached or the
 * function's end. The coupling R is, per loop, the equality of memory, size, globals and world plus a set of
 * equalities between a base local and a candidate local, or between a local and a constant. The pair is proved when, for every segment, from
 * any pair of states satisfying R at its start (the shared entry state for the entry segment):
 *   - both sides trap, end normally, or reach the same cut point, under the same conditions;
 *   - on reaching a cut point, the two states satisfy R there;
 *   - on ending or trapping, what is observable is equal.
 * By induction on the number of segments an execution passes through, both functions then behave alike.
 * Nothing is unrolled: each segment is a finite, loop-free piece of code.
 */

/** Segment id of the function's entry; loop ids (pre-order) name the other segments. */
export const ENTRY = -1;

export interface LoopSite {
  node: IrLoop;
  /** The nodes from the function body down to the loop, both included. */
  path: IrNode[];
  /** Pre-order id of the innermost enclosing loop, or -1. */
  parent: number;
}

/** The loops of a body in pre-order (left to right), each with the path down to it. */
export function loopSites(body: IrNode | null): LoopSite[] {
  const sites: LoopSite[] = [];
  const walk = (node: IrNode, path: IrNode[], parent: number) => {
    const here = [...path, node];
    let inner = parent;
    if (node.kind === 'loop') {
      sites.push({ node, path: here, parent });
      inner = sites.length - 1;
    }
    for (const kid of childrenOf(node)) walk(kid, here, inner);
  };
  if (body) walk(body, [], -1);
  return sites;
}

/** One equality of a coupling: a base local and a candidate local, or a local of one side and a constant. */
export type Conjunct =
  | { kind: 'same'; a: number; b: number }
  | { kind: 'constant'; side: 0 | 1; local: number; value: bigint };

/** Per loop id, the equalities that hold at its header. */
export type Coupling = Map<number, Conjunct[]>;

export const localTypes = (fn: IrFunction): IrType[] => [...fn.params, ...fn.vars];

interface Side {
  fn: IrFunction;
  ctx: ModuleContext;
  sites: LoopSite[];
  cutPoints: Map<IrNode, number>;
}

/** Names the model reports for one side's arrival at a cut point. */
const guardName = (side: string, loop: number) => `arr_${side}_${loop}`;
const localName = (side: string, loop: number, i: number) => `arr_${side}_${loop}_l${i}`;

export interface SegmentQuery {
  smt: string;
  segment: number;
  /** Per loop reached, the locals whose value there is a constant (candidates for a coupling). */
  constants: Map<number, Conjunct[]>;
}

export class InductionPlan {
  private constructor(private readonly base: Side, private readonly candidate: Side, private readonly builder: () => Builder) {}

  /**
   * A plan when both functions' loops match one to one (same count, same nesting, in pre-order), as they are
   * or once calls to small callees with loops are expanded on both sides (a loop the optimizer inlined).
   * Each segment's query is built with a fresh `builder()` (the caller's bounds on its graph).
   */
  static create(
    base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext, builder: () => Builder = () => new Builder(),
  ): InductionPlan | undefined {
    const plain = InductionPlan.matched(base, candidate, baseCtx, candidateCtx, builder);
    if (plain) return plain;
    const expandedBase = expandLoopCalls(base, baseCtx);
    const expandedCandidate = expandLoopCalls(candidate, candidateCtx);
    if (!expandedBase && !expandedCandidate) return undefined;
    return InductionPlan.matched(expandedBase ?? base, expandedCandidate ?? candidate, baseCtx, candidateCtx, builder);
  }

  private static matched(
    base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext, builder: () => Builder,
  ): InductionPlan | undefined {
    const side = (fn: IrFunction, ctx: ModuleContext): Side => {
      const sites = loopSites(fn.body);
      return { fn, ctx, sites, cutPoints: new Map(sites.map((s, i) => [s.node, i])) };
    };
    const a = side(base, baseCtx);
    const b = side(candidate, candidateCtx);
    if (a.sites.length === 0 || a.sites.length !== b.sites.length) return undefined;
    if (a.sites.some((s, i) => s.parent !== b.sites[i]!.parent)) return undefined;
    return new InductionPlan(a, b, builder);
  }

  get segments(): number[] {
    return [ENTRY, ...this.base.sites.map((_, i) => i)];
  }

  /**
   * The strongest candidate: every base local equal to every candidate local of the same type, and every
   * local equal to each constant it holds on some arrival at the header as the segments encode it.
   */
  initialCoupling(): Coupling {
    const ta = localTypes(this.base.fn);
    const tb = localTypes(this.candidate.fn);
    const pairs: Conjunct[] = [];
    ta.forEach((t, a) => tb.forEach((u, b) => { if (t === u) pairs.push({ kind: 'same', a, b }); }));
    const coupling: Coupling = new Map(this.base.sites.map((_, loop) => [loop, pairs]));
    const constants = new Map<number, Map<string, Conjunct>>();
    for (const segment of this.segments) {
      for (const [loop, found] of this.encode(segment, coupling).constants) {
        const known = constants.get(loop) ?? new Map<string, Conjunct>();
        for (const c of found) if (c.kind === 'constant') known.set(`${c.side}:${c.local}:${c.value}`, c);
        constants.set(loop, known);
      }
    }
    return new Map(this.base.sites.map((_, loop) => [loop, [...pairs, ...(constants.get(loop)?.values() ?? [])]]));
  }

  /** The negated obligation of one segment under `coupling`: unsat means the segment keeps its promise. */
  encode(segment: number, coupling: Coupling): SegmentQuery {
    const shared = sharedInputs(this.base.ctx, this.builder());
    const b = shared.build;
    const params = this.base.fn.params.map((t, i) => b.variable(paramName(i), bvSort(widthOf(t))) as BV);
    const [localsA, localsB] = segment === ENTRY
      ? [this.base, this.candidate].map((side) => [...params, ...side.fn.vars.map((t) => b.constant(0n, widthOf(t)))])
      : this.headerLocals(b, coupling.get(segment)!);
    const widths = [this.base, this.candidate].map((side) => localTypes(side.fn).map(widthOf));
    const equality = (c: Conjunct, x: BV[], y: BV[]): [BV, BV] =>
      c.kind === 'same' ? [x[c.a]!, y[c.b]!] : [[x, y][c.side]![c.local]!, b.constant(c.value, widths[c.side]![c.local]!)];
    const assumptions: Bool[] = [];
    if (segment !== ENTRY) {
      for (const c of coupling.get(segment)!) if (c.kind === 'constant') assumptions.push(b.eq(...equality(c, localsA!, localsB!)));
    }
    const run = (side: Side, which: 'a' | 'b', locals: BV[]): SideResult => {
      const encoder = new SideEncoder(which, side.ctx, shared, locals, localTypes(side.fn).map(widthOf), { kind: 'cut', cutPoints: side.cutPoints });
      return segment === ENTRY ? encoder.run(side.fn.body!, side.fn.results) : encoder.runFromHeader(side.sites[segment]!.path, side.fn.results);
    };
    const ra = run(this.base, 'a', localsA!);
    const rb = run(this.candidate, 'b', localsB!);

    const differences: Bool[] = [
      b.ne(ra.trapped, rb.trapped),
      b.ne(ra.normal.guard, rb.normal.guard),
      sameTraps(ra.traps, rb.traps) ? b.false : b.and(ra.trapped, b.or(...envDiffers(shared, ra.trapEnv, rb.trapEnv))),
      b.and(ra.normal.guard, b.or(
        ...ra.normal.values.map((v, i) => b.ne(v, rb.normal.values[i]!)),
        ...envDiffers(shared, ra.normal.snap.env, rb.normal.snap.env),
      )),
    ];
    const loops = new Set([...ra.arrivals.keys(), ...rb.arrivals.keys()]);
    const constants = new Map<number, Conjunct[]>();
    for (const loop of [...loops].sort((x, y) => x - y)) {
      constants.set(loop, [ra, rb].flatMap((result, side) => (result.arrivals.get(loop)?.snap.locals ?? []).flatMap((term, local): Conjunct[] => {
        const value = constValue(term);
        return value === undefined ? [] : [{ kind: 'constant', side: side as 0 | 1, local, value }];
      })));
      const name = (side: string, result: SideResult, fn: IrFunction) => {
        const arrival = result.arrivals.get(loop);
        const guard = b.variable(guardName(side, loop), 'bool');
        assumptions.push(b.eq(guard, arrival?.guard ?? b.false));
        const locals = localTypes(fn).map((t, i) => {
          const local = b.variable(localName(side, loop, i), bvSort(widthOf(t))) as BV;
          if (arrival) assumptions.push(b.eq(local, arrival.snap.locals[i]!));
          return local;
        });
        return { guard, locals, env: arrival?.snap.env };
      };
      const xa = name('a', ra, this.base.fn);
      const xb = name('b', rb, this.candidate.fn);
      differences.push(b.ne(xa.guard, xb.guard));
      if (!xa.env || !xb.env) continue;
      differences.push(b.and(xa.guard, b.or(
        ...envDiffers(shared, xa.env, xb.env),
        ...coupling.get(loop)!.map((c) => b.ne(...equality(c, xa.locals, xb.locals))),
      )));
    }
    const query = queryFor({ shared, params, paramTypes: this.base.fn.params }, b.or(...differences), { assumptions });
    return { smt: query.smt, segment, constants };
  }

  /**
   * Fresh locals at a header, one constant per class of locals the coupling makes equal: the equalities are
   * substituted rather than asserted, so both sides' terms share subterms and the solver sees them equal.
   */
  private headerLocals(b: Builder, conjuncts: Conjunct[]): [BV[], BV[]] {
    const ta = localTypes(this.base.fn);
    const tb = localTypes(this.candidate.fn);
    const parent = [...ta, ...tb].map((_, k) => k);
    const find = (k: number): number => (parent[k] === k ? k : (parent[k] = find(parent[k]!)));
    for (const c of conjuncts) if (c.kind === 'same') parent[find(ta.length + c.b)] = find(c.a);
    const local = (k: number, type: string) => {
      const root = find(k);
      return b.variable(root < ta.length ? `ha${root}` : `hb${root - ta.length}`, bvSort(widthOf(type))) as BV;
    };
    return [ta.map((t, i) => local(i, t)), tb.map((t, j) => local(ta.length + j, t))];
  }

  /**
   * Houdini's step: the equalities the model breaks at the cut point it reached are dropped. Undefined when
   * the model breaks none of them (the difference lies elsewhere and no weaker coupling can help).
   */
  weaken(coupling: Coupling, model: Record<string, string>): Coupling | undefined {
    for (const loop of coupling.keys()) {
      if (model[guardName('a', loop)] !== 'true' || model[guardName('b', loop)] !== 'true') continue;
      const conjuncts = coupling.get(loop)!;
      const valueOf = (side: 0 | 1, local: number) => {
        const text = model[localName(side === 0 ? 'a' : 'b', loop, local)];
        return text === undefined ? undefined : parseBvLiteral(text);
      };
      const kept = conjuncts.filter((c) => {
        const x = c.kind === 'same' ? valueOf(0, c.a) : valueOf(c.side, c.local);
        const y = c.kind === 'same' ? valueOf(1, c.b) : c.value;
        return x === undefined || y === undefined || x === y;
      });
      if (kept.length === conjuncts.length) return undefined;
      return new Map([...coupling, [loop, kept]]);
    }
    return undefined;
  }
}
