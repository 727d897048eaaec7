import { calleesOf, canonicalFunction, sha256, signatureOf, type IrFunction, type IrModule, type IrNode } from '../wasm/ir.js';
import { ModuleContext } from './context.js';
import { expandedCallees, isExpandedCallee } from './expand-calls.js';

/** Bumped whenever the encoding's meaning (or what a check tries) changes, so that old verdicts are not reused. */
export const ENCODER_VERSION = 'atoll-graph-11-local-runs';

/**
 * Whether the encoding of a pair may read `name`'s body on this side: it runs inline, is expanded for
 * induction, or is one of the pair's expanded callees.
 */
function readsBody(name: string, ctx: ModuleContext, expanded: ReadonlySet<string>, alsoPure: boolean): boolean {
  const policy = ctx.policy(name);
  return policy === 'inline' || (alsoPure && policy === 'pure') || isExpandedCallee(name, ctx) || expanded.has(name);
}

/** The callees reachable by inlining from `fn`, with their bodies (what the encoding may have read). */
function calleeContext(fn: IrFunction, ctx: ModuleContext, expanded: ReadonlySet<string>): string[] {
  const seen = new Set<string>();
  const parts: string[] = [];
  const visit = (node: IrNode | null) => {
    for (const name of calleesOf(node).sort()) {
      if (seen.has(name)) continue;
      seen.add(name);
      const callee = ctx.functions.get(name);
      if (!callee) continue;
      const policy = ctx.policy(name);
      const body = readsBody(name, ctx, expanded, false);
      const keepsSize = ctx.keepsMemorySize(name) ? ':keeps-size' : '';
      parts.push(`${name}:${policy}${keepsSize}:${body ? canonicalFunction(callee) : signatureOf(callee)}`);
      if (body) visit(callee.body);
    }
  };
  visit(fn.body);
  return parts;
}

/**
 * What a verdict on this pair assumes about other functions (the parts of calleeContext that are not a
 * signature): whose bodies it read (inline or expanded, transitively), which callees it took as pure
 * functions of their arguments, and which opaque callees it took to keep the memory's size. An opaque call is
 * otherwise the same uninterpreted call on both sides whatever the callee's body. An incremental rebuild
 * keeps a verdict only where these still hold.
 */
export interface CalleeAssumptions {
  reads: string[];
  pure: string[];
  sizeKeepers: string[];
}

export function calleeAssumptions(
  base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext,
  expanded: ReadonlySet<string> = expandedCallees(base, candidate, baseCtx, candidateCtx),
): CalleeAssumptions {
  const reads = new Set<string>();
  const pure = new Set<string>();
  const sizeKeepers = new Set<string>();
  for (const [fn, ctx] of [[base, baseCtx], [candidate, candidateCtx]] as const) {
    const seen = new Set<string>([fn.name]);
    const visit = (node: IrNode | null) => {
      for (const name of calleesOf(node)) {
        if (seen.has(name) || !ctx.functions.has(name)) continue;
        seen.add(name);
        if (readsBody(name, ctx, expanded, false)) {
          reads.add(name);
          visit(ctx.functions.get(name)!.body);
        } else if (ctx.policy(name) === 'pure') pure.add(name);
        else if (ctx.keepsMemorySize(name)) sizeKeepers.add(name);
      }
    };
    visit(fn.body);
  }
  const sorted = (names: Set<string>) => [...names].filter((name) => name !== base.name && name !== candidate.name).sort();
  return { reads: sorted(reads), pure: sorted(pure), sizeKeepers: sorted(sizeKeepers) };
}

function moduleContext(ctx: ModuleContext): string {
  const m = ctx.module;
  return JSON.stringify({
    globals: m.globals.map((g) => [g.name, g.type, g.mutable, g.init ?? null, g.imported ?? null]),
    memory: m.memory,
    tables: m.tables,
  });
}

/** sha256 over everything a verdict depends on; `expanded`: the pair's expandedCallees, when already known. */
export function proofCacheKey(
  base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext, z3Version: string,
  expanded: ReadonlySet<string> = expandedCallees(base, candidate, baseCtx, candidateCtx),
): string {
  return sha256(JSON.stringify([
    ENCODER_VERSION, z3Version,
    canonicalFunction(base), canonicalFunction(candidate),
    calleeContext(base, baseCtx, expanded), calleeContext(candidate, candidateCtx, expanded),
    moduleContext(baseCtx), moduleContext(candidateCtx),
  ]));
}

/** One side of a proof-cache entry's evidence: the function and the part of its module the key covered. */
export interface EvidenceSide {
  name: string;
  module: IrModule;
  /** Body-less callees the key says keep the memory's size (their whole call closure is not kept). */
  sizeKeepers?: string[];
}

/** The module context an evidence side stands for: its functions, with the size keepers the key named. */
export function evidenceContext(side: EvidenceSide): ModuleContext {
  return new ModuleContext(side.module, side.sizeKeepers);
}

/**
 * What a proved proof-cache entry keeps so that it can be checked again later (`atoll cache verify`): both
 * functions and, per side, what proofCacheKey covered of the module: every callee whose body the encoding
 * may read (inlined, pure or expanded, transitively) with its body, the other direct callees by signature
 * (no body, so they stay opaque; those that keep the memory's size by name, as the key names them), and the
 * globals, memory and tables. From it, proofCacheKey gives the entry's key again, and the verifier can
 * decide the pair again.
 */
export interface ProofEvidence {
  base: EvidenceSide;
  candidate: EvidenceSide;
  /** binaryen feature flags the pair was read with. */
  features: number;
}

function evidenceSide(fn: IrFunction, ctx: ModuleContext, expanded: ReadonlySet<string>): EvidenceSide {
  const functions = new Map<string, IrFunction>([[fn.name, fn]]);
  const sizeKeepers: string[] = [];
  const visit = (node: IrNode | null) => {
    for (const name of calleesOf(node)) {
      const callee = ctx.functions.get(name);
      if (!callee || functions.has(name)) continue;
      const body = readsBody(name, ctx, expanded, true);
      functions.set(name, body ? callee : { ...callee, body: null });
      if (body) visit(callee.body);
      else if (ctx.keepsMemorySize(name)) sizeKeepers.push(name);
    }
  };
  visit(fn.body);
  const { globals, memory, tables } = ctx.module;
  const module: IrModule = { functions: [...functions.values()], globals, memory, tables, data: [], elements: [], exports: [], start: null, named: true };
  return { name: fn.name, module, ...(sizeKeepers.length ? { sizeKeepers: sizeKeepers.sort() } : {}) };
}

export function proofEvidence(
  base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext, features: number,
  expanded: ReadonlySet<string> = expandedCallees(base, candidate, baseCtx, candidateCtx),
): ProofEvidence {
  return { base: evidenceSide(base, baseCtx, expanded), candidate: evidenceSide(candidate, candidateCtx, expanded), features };
}
