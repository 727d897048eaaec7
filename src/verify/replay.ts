import type { IrModule } from '../wasm/ir.js';
import type { QueryInputs } from './encode/query.js';
import { symbolPart } from './encode/side.js';
import { parseBvLiteral } from './graph/semantics.js';
import type { EntryState } from './run/entry.js';

/**
 * Counterexample replay: the entry state a solver's model describes, as runs take it (run/entry.ts). Both
 * functions then run for real from it (run/runs.ts); a model that does not reproduce there is no refutation.
 * The memory is zeros except where the encoding read it (its probes); imports answer zeros (the model's
 * values for what they return are not real answers).
 */
export function entryFromModel(query: QueryInputs, model: Record<string, string>, base: IrModule): EntryState {
  const value = (name: string) => parseBvLiteral(model[name] ?? '#x0') ?? 0n;
  const bytes = new Map<bigint, number>();
  for (const probe of query.probes) {
    if (model[probe.addr] === undefined) continue;
    const addr = value(probe.addr);
    probe.bytes.forEach((b, k) => bytes.set(addr + BigInt(k), Number(value(b))));
  }
  const globals = new Map<string, bigint>(query.globals.map((name, i) => [name, value(query.entryGlobals[i]!)]));
  for (const g of base.globals) if (g.imported) globals.set(g.name, value(`gi_${symbolPart(g.name)}`));
  const pages = query.memory ? Number(value('size0')) : 0;
  const limit = BigInt(pages) * 65536n;
  return {
    params: query.params.map(value),
    globals,
    pages,
    memory: 'zero',
    writes: [...bytes].filter(([addr]) => addr < limit).map(([addr, byte]) => [Number(addr), new Uint8Array([byte])]),
    world: null,
  };
}
