import type binaryenNs from 'binaryen';
import { walkExpressions } from './walk.js';

type Binaryen = typeof binaryenNs;

export type Objective = 'size' | 'instructions' | 'cycles';
export const OBJECTIVES: readonly Objective[] = ['size', 'instructions', 'cycles'];

/**
 * The `cycles` objective is a static estimate, not a measurement: each expression has a weight (1 for
 * simple arithmetic and locals; more for memory, division, calls and memory.grow), and an expression inside
 * k nested loops counts LOOP_FACTOR^k times (k capped at MAX_LOOP_DEPTH), as if every loop ran ten times.
 * It ignores branch probabilities, cache behaviour and what the engine's JIT does; use it to compare
 * variants of one module, never across modules.
 */
export const LOOP_FACTOR = 10;
export const MAX_LOOP_DEPTH = 4;

export interface CodeMetrics {
  instructions: number;
  cycles: number;
}

export function codeMetrics(binaryen: Binaryen, module: binaryenNs.Module): CodeMetrics {
  const b = binaryen;
  const weights = new Map<number, number>([
    [b.LoadId, 3],
    [b.StoreId, 3],
    [b.CallId, 5],
    [b.CallIndirectId, 8],
    [b.MemoryGrowId, 100],
    [b.MemoryCopyId, 20],
    [b.MemoryFillId, 20],
    [b.MemoryInitId, 20],
    [b.BlockId, 0],
    [b.NopId, 0],
  ]);
  const slowBinary = new Set<number>([
    b.DivSInt32, b.DivUInt32, b.RemSInt32, b.RemUInt32,
    b.DivSInt64, b.DivUInt64, b.RemSInt64, b.RemUInt64,
    b.DivFloat32, b.DivFloat64,
  ]);
  let instructions = 0;
  let cycles = 0;
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = b.getFunctionInfo(module.getFunctionByIndex(i));
    if (!info.body) continue;
    walkExpressions(b, info.body, (expr, id, depth) => {
      instructions++;
      let weight = weights.get(id) ?? 1;
      if (id === b.BinaryId && slowBinary.has((b.getExpressionInfo(expr) as unknown as { op: number }).op)) weight = 20;
      cycles += weight * LOOP_FACTOR ** Math.min(depth, MAX_LOOP_DEPTH);
    });
  }
  return { instructions, cycles };
}
