import type binaryenNs from 'binaryen';

type Binaryen = typeof binaryenNs;
type ExpressionRef = number;
type Info = Record<string, unknown>;

/**
 * The child expressions of one expression, in evaluation order. getExpressionInfo reports children under
 * per-kind field names, and some names mean a child in one kind and a plain number in another (`offset` is
 * a constant on loads, an expression on memory.init), so the fields are listed per kind.
 */
export function childFields(binaryen: Binaryen): Map<number, readonly string[]> {
  const b = binaryen;
  return new Map<number, readonly string[]>([
    [b.BlockId, ['children']],
    [b.IfId, ['condition', 'ifTrue', 'ifFalse']],
    [b.LoopId, ['body']],
    [b.BreakId, ['value', 'condition']],
    [b.SwitchId, ['value', 'condition']],
    [b.CallId, ['operands']],
    [b.CallIndirectId, ['operands', 'target']],
    [b.LocalSetId, ['value']],
    [b.GlobalSetId, ['value']],
    [b.LoadId, ['ptr']],
    [b.StoreId, ['ptr', 'value']],
    [b.UnaryId, ['value']],
    [b.BinaryId, ['left', 'right']],
    [b.SelectId, ['ifTrue', 'ifFalse', 'condition']],
    [b.DropId, ['value']],
    [b.ReturnId, ['value']],
    [b.MemoryGrowId, ['delta']],
    [b.AtomicRMWId, ['ptr', 'value']],
    [b.AtomicCmpxchgId, ['ptr', 'expected', 'replacement']],
    [b.AtomicWaitId, ['ptr', 'expected', 'timeout']],
    [b.AtomicNotifyId, ['ptr', 'notifyCount']],
    [b.SIMDExtractId, ['vec']],
    [b.SIMDReplaceId, ['vec', 'value']],
    [b.SIMDShuffleId, ['left', 'right']],
    [b.SIMDTernaryId, ['a', 'b', 'c']],
    [b.SIMDShiftId, ['vec', 'shift']],
    [b.SIMDLoadId, ['ptr']],
    [b.SIMDLoadStoreLaneId, ['ptr', 'vec']],
    [b.MemoryInitId, ['dest', 'offset', 'size']],
    [b.MemoryCopyId, ['dest', 'source', 'size']],
    [b.MemoryFillId, ['dest', 'value', 'size']],
    [b.RefIsNullId, ['value']],
    [b.RefAsId, ['value']],
    [b.RefEqId, ['left', 'right']],
    [b.TableGetId, ['index']],
    [b.TableSetId, ['index', 'value']],
    [b.TableGrowId, ['value', 'delta']],
    [b.TryId, ['body', 'catchBodies']],
    [b.ThrowId, ['operands']],
    [b.TupleMakeId, ['operands']],
    [b.TupleExtractId, ['tuple']],
  ]);
}

export function children(binaryen: Binaryen, fields: Map<number, readonly string[]>, expr: ExpressionRef): ExpressionRef[] {
  // Leaves first: getExpressionInfo throws on some of them (unreachable) in binaryen.js 132.
  const names = fields.get(binaryen.getExpressionId(expr));
  if (!names) return [];
  const info = binaryen.getExpressionInfo(expr) as unknown as Info;
  const result: ExpressionRef[] = [];
  for (const name of names) {
    const value = info[name];
    if (Array.isArray(value)) {
      for (const child of value) if (typeof child === 'number' && child !== 0) result.push(child);
    } else if (typeof value === 'number' && value !== 0) {
      result.push(value);
    }
  }
  return result;
}

/** Visits every expression of a body, depth first, with the number of loops that enclose it. */
export function walkExpressions(
  binaryen: Binaryen,
  body: ExpressionRef,
  visit: (expr: ExpressionRef, id: number, loopDepth: number) => void,
): void {
  const fields = childFields(binaryen);
  const stack: Array<[ExpressionRef, number]> = [[body, 0]];
  while (stack.length > 0) {
    const [expr, depth] = stack.pop()!;
    const id = binaryen.getExpressionId(expr);
    visit(expr, id, depth);
    const inner = id === binaryen.LoopId ? depth + 1 : depth;
    for (const child of children(binaryen, fields, expr)) stack.push([child, inner]);
  }
}
