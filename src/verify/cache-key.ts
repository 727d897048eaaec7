import { calleesOf, canonicalFunction, sha256, signatureOf, type IrFunction, type IrNode } from '../wasm/ir.js';
import type { ModuleContext } from './context.js';
import { isExpandedCallee } from './expand-calls.js';

/** Bumped whenever the encoding's meaning changes, so that old verdicts are not reused. */
export const ENCODER_VERSION = 'atoll-encoder-3';

/** The callees reachable by inlining from `fn`, with their bodies (what the encoding may have read). */
function calleeContext(fn: IrFunction, ctx: ModuleContext): string[] {
  const seen = new Set<string>();
  const parts: string[] = [];
  const visit = (node: IrNode | null) => {
    for (const name of calleesOf(node).sort()) {
      if (seen.has(name)) continue;
      seen.add(name);
      const callee = ctx.functions.get(name);
      if (!callee) continue;
      const policy = ctx.policy(name);
      const readsBody = policy === 'inline' || isExpandedCallee(name, ctx);
      parts.push(`${name}:${policy}:${readsBody ? canonicalFunction(callee) : signatureOf(callee)}`);
      if (readsBody) visit(callee.body);
    }
  };
  visit(fn.body);
  return parts;
}

function moduleContext(ctx: ModuleContext): string {
  const m = ctx.module;
  return JSON.stringify({
    globals: m.globals.map((g) => [g.name, g.type, g.mutable, g.init ?? null, g.imported ?? null]),
    memory: m.memory,
    tables: m.tables,
  });
}

/** sha256 over everything a verdict depends on. */
export function proofCacheKey(base: IrFunction, candidate: IrFunction, baseCtx: ModuleContext, candidateCtx: ModuleContext, z3Version: string): string {
  return sha256(JSON.stringify([
    ENCODER_VERSION, z3Version,
    canonicalFunction(base), canonicalFunction(candidate),
    calleeContext(base, baseCtx), calleeContext(candidate, candidateCtx),
    moduleContext(baseCtx), moduleContext(candidateCtx),
  ]));
}
