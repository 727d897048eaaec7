import type binaryenNs from 'binaryen';

type Ref = number;
interface Value { getValue(e: Ref): Ref; setValue(e: Ref, value: Ref): void }
interface Operands { getNumOperands(e: Ref): number; getOperandAt(e: Ref, i: number): Ref; setOperandAt(e: Ref, i: number, c: Ref): void }
/** A memory access's address operand, static offset and width. */
export interface Access { getPtr(e: Ref): Ref; setPtr(e: Ref, ptr: Ref): void; getBytes(e: Ref): number; getOffset(e: Ref): number }
interface Destination { getDest(e: Ref): Ref; setDest(e: Ref, dest: Ref): void }

/**
 * binaryen.js's per-kind expression accessors (`binaryen.Block.getChildAt`, `binaryen.Store.setValue`, …),
 * `binaryen.Function.setBody` and the C API's `_BinaryenFunctionAddVar`: there at run time, missing from its
 * typings. Absent children read as 0, an unnamed block's name as null.
 */
export interface ExpressionEdit {
  Block: { getNumChildren(e: Ref): number; getChildAt(e: Ref, i: number): Ref; setChildAt(e: Ref, i: number, child: Ref): void; getName(e: Ref): string | null };
  Loop: { getBody(e: Ref): Ref; setBody(e: Ref, body: Ref): void; getName(e: Ref): string | null };
  If: {
    getCondition(e: Ref): Ref; setCondition(e: Ref, c: Ref): void;
    getIfTrue(e: Ref): Ref; setIfTrue(e: Ref, c: Ref): void;
    getIfFalse(e: Ref): Ref; setIfFalse(e: Ref, c: Ref): void;
  };
  Break: Value & { getCondition(e: Ref): Ref; setCondition(e: Ref, c: Ref): void; getName(e: Ref): string };
  Switch: Value & {
    getCondition(e: Ref): Ref; setCondition(e: Ref, c: Ref): void;
    getNumNames(e: Ref): number; getNameAt(e: Ref, i: number): string; getDefaultName(e: Ref): string;
  };
  LocalGet: { getIndex(e: Ref): number };
  LocalSet: Value & { getIndex(e: Ref): number };
  GlobalSet: Value;
  Drop: Value;
  Return: Value;
  Unary: Value;
  Binary: { getLeft(e: Ref): Ref; setLeft(e: Ref, c: Ref): void; getRight(e: Ref): Ref; setRight(e: Ref, c: Ref): void };
  Select: {
    getIfTrue(e: Ref): Ref; setIfTrue(e: Ref, c: Ref): void;
    getIfFalse(e: Ref): Ref; setIfFalse(e: Ref, c: Ref): void;
    getCondition(e: Ref): Ref; setCondition(e: Ref, c: Ref): void;
  };
  Call: Operands;
  CallIndirect: Operands & { getTarget(e: Ref): Ref; setTarget(e: Ref, target: Ref): void };
  Load: Access & { isAtomic(e: Ref): boolean };
  Store: Access & Value & { isAtomic(e: Ref): boolean; getValueType(e: Ref): number };
  AtomicRMW: Access;
  AtomicCmpxchg: Access;
  SIMDLoadStoreLane: { isStore(e: Ref): boolean; getPtr(e: Ref): Ref; setPtr(e: Ref, ptr: Ref): void };
  MemoryFill: Destination;
  MemoryCopy: Destination;
  MemoryInit: Destination;
  MemoryGrow: { getDelta(e: Ref): Ref; setDelta(e: Ref, delta: Ref): void };
  /** The typings put these on Module instances; at run time they hang off the namespace. */
  Function: { setBody(func: Ref | binaryenNs.FunctionRef, body: Ref): void };
  _BinaryenFunctionAddVar(func: Ref, type: number): number;
}

export function expressionEdit(binaryen: typeof binaryenNs): ExpressionEdit {
  return binaryen as unknown as ExpressionEdit;
}
