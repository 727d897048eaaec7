import { createHash } from 'node:crypto';
import type binaryenNs from 'binaryen';

/**
 * A plain, serializable copy of binaryen's IR: what the verifier's encoder reads. binaryen's expressions are
 * pointers into one thread's wasm heap; this tree can cross threads, be hashed, and be read by pure code.
 * Operators are names (binaryen's own, e.g. `AddInt32`, `AddVecI32x4`), constants are strings (i32/i64/v128 as
 * unsigned decimal, f32/f64 as their raw bits in hex), so no bigint or float rounding sneaks in.
 */
export type IrType = 'none' | 'unreachable' | 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | `other:${number}`;

/** A required child binaryen left unset (it never does in valid IR) reads as this `unsupported` leaf. */
interface Node<K extends string> {
  kind: K;
  type: IrType;
}

export interface IrBlock extends Node<'block'> { label: string | null; children: IrNode[] }
export interface IrIf extends Node<'if'> { condition: IrNode; ifTrue: IrNode; ifFalse: IrNode | null }
export interface IrLoop extends Node<'loop'> { label: string | null; body: IrNode }
/** `br` / `br_if` (with a condition). */
export interface IrBr extends Node<'br'> { label: string; value: IrNode | null; condition: IrNode | null }
export interface IrBrTable extends Node<'br_table'> { labels: string[]; defaultLabel: string; value: IrNode | null; index: IrNode }
export interface IrCall extends Node<'call'> { target: string; operands: IrNode[] }
export interface IrCallIndirect extends Node<'call_indirect'> {
  table: string;
  /** The signature the call expects of the slot. */
  params: IrType[];
  results: IrType[];
  operands: IrNode[];
  target: IrNode;
}
export interface IrLocalGet extends Node<'local.get'> { local: number }
/** `local.set`, or `local.tee` when `tee` (then its type is the value's). */
export interface IrLocalSet extends Node<'local.set'> { local: number; tee: boolean; value: IrNode }
export interface IrGlobalGet extends Node<'global.get'> { global: string }
export interface IrGlobalSet extends Node<'global.set'> { global: string; value: IrNode }
export interface IrLoad extends Node<'load'> { bytes: number; offset: number; signed: boolean; ptr: IrNode }
export interface IrStore extends Node<'store'> { bytes: number; offset: number; valueType: IrType; ptr: IrNode; value: IrNode }
/** The literal as described above (i32/i64/v128 unsigned decimal, f32/f64 raw bits in hex, or 'nan'). */
export interface IrConst extends Node<'const'> { value: string }
export interface IrUnary extends Node<'unary'> { op: string; value: IrNode }
export interface IrBinary extends Node<'binary'> { op: string; left: IrNode; right: IrNode }
export interface IrSelect extends Node<'select'> { ifTrue: IrNode; ifFalse: IrNode; condition: IrNode }
export interface IrDrop extends Node<'drop'> { value: IrNode }
export interface IrReturn extends Node<'return'> { value: IrNode | null }
export interface IrMemorySize extends Node<'memory.size'> {}
export interface IrMemoryGrow extends Node<'memory.grow'> { delta: IrNode }
export interface IrNop extends Node<'nop'> {}
export interface IrUnreachable extends Node<'unreachable'> {}
export interface IrMemoryCopy extends Node<'memory.copy'> { dest: IrNode; source: IrNode; size: IrNode }
export interface IrMemoryFill extends Node<'memory.fill'> { dest: IrNode; value: IrNode; size: IrNode }
/**
 * A SIMD operation with immediates or three operands (v128 loads and stores, constants, and SIMD unary and
 * binary operators use the kinds above): `op` is binaryen's name (`ExtractLaneVecI32x4`, `ShlVecI64x2`,
 * `BitselectVec128`, or `Shuffle`), `immediates` its lane index or its 16 shuffle lane indices.
 */
export interface IrSimd extends Node<'simd'> { op: string; immediates: number[]; operands: IrNode[] }
/**
 * A SIMD memory access that is not a plain v128 load or store: a load that splats, extends or zero-fills
 * (`Load8SplatVec128`, …; `lane` 0, `vec` null), or one lane loaded into or stored from `vec`
 * (`Load32LaneVec128`, `Store32LaneVec128`).
 */
export interface IrSimdMemory extends Node<'simd.memory'> { op: string; offset: number; lane: number; ptr: IrNode; vec: IrNode | null }
/** A construct the IR does not model, kept by binaryen's name for it so a verdict can say what it was. */
export interface IrUnsupported extends Node<'unsupported'> { what: string }

export type IrNode =
  | IrBlock | IrIf | IrLoop | IrBr | IrBrTable | IrCall | IrCallIndirect | IrLocalGet | IrLocalSet | IrGlobalGet
  | IrGlobalSet | IrLoad | IrStore | IrConst | IrUnary | IrBinary | IrSelect | IrDrop | IrReturn | IrMemorySize
  | IrMemoryGrow | IrNop | IrUnreachable | IrMemoryCopy | IrMemoryFill | IrSimd | IrSimdMemory | IrUnsupported;

export type IrKind = IrNode['kind'];

/** The node of one kind. */
export type IrNodeOf<K extends IrKind> = Extract<IrNode, { kind: K }>;

/**
 * The fields of each kind that hold children, in evaluation order (a list field holds several). Everything
 * generic over nodes — walking, rebuilding, comparing what a node says besides its children — reads this.
 */
const CHILD_FIELDS: { readonly [K in IrKind]: ReadonlyArray<keyof IrNodeOf<K> & string> } = {
  'block': ['children'],
  'if': ['condition', 'ifTrue', 'ifFalse'],
  'loop': ['body'],
  'br': ['value', 'condition'],
  'br_table': ['value', 'index'],
  'call': ['operands'],
  'call_indirect': ['operands', 'target'],
  'local.get': [],
  'local.set': ['value'],
  'global.get': [],
  'global.set': ['value'],
  'load': ['ptr'],
  'store': ['ptr', 'value'],
  'const': [],
  'unary': ['value'],
  'binary': ['left', 'right'],
  'select': ['ifTrue', 'ifFalse', 'condition'],
  'drop': ['value'],
  'return': ['value'],
  'memory.size': [],
  'memory.grow': ['delta'],
  'nop': [],
  'unreachable': [],
  'memory.copy': ['dest', 'source', 'size'],
  'memory.fill': ['dest', 'value', 'size'],
  'simd': ['operands'],
  'simd.memory': ['ptr', 'vec'],
  'unsupported': [],
};

type Fields = Record<string, unknown>;

/** The children of `node` in evaluation order (unset optional children left out). */
export function childrenOf(node: IrNode): IrNode[] {
  const out: IrNode[] = [];
  for (const field of CHILD_FIELDS[node.kind]) {
    const value = (node as unknown as Fields)[field] as IrNode | IrNode[] | null;
    if (Array.isArray(value)) out.push(...value);
    else if (value) out.push(value);
  }
  return out;
}

/** `node` with every child replaced by `rewrite(child)`; the other fields are kept. */
export function mapChildren<N extends IrNode>(node: N, rewrite: (child: IrNode) => IrNode): N {
  const copy: Fields = { ...node };
  for (const field of CHILD_FIELDS[node.kind] as readonly string[]) {
    const value = copy[field] as IrNode | IrNode[] | null;
    copy[field] = Array.isArray(value) ? value.map(rewrite) : value ? rewrite(value) : null;
  }
  return copy as N;
}

/**
 * What a node says besides its children (kind, type, operator, constant, index, names …, and which optional
 * children are absent), as one string: two nodes with equal attributes differ only in their children.
 */
export function attributesOf(node: IrNode): string {
  // A shallow copy without the set children, written without a replacer: what the replacer gave (a child field
  // that is set left out, an unset one written as null), at a fraction of the cost on whole bodies.
  const children: readonly string[] = CHILD_FIELDS[node.kind];
  const own: Fields = {};
  for (const [key, value] of Object.entries(node)) own[key] = value !== null && children.includes(key) ? undefined : value;
  return JSON.stringify(own);
}

/**
 * Whether two nodes have equal attributes (attributesOf) without writing them out: fields compared one by one,
 * lists of names or numbers element by element; of a child field, only whether it is set. For comparing whole
 * trees node by node, where attributesOf's JSON cost most of the time.
 */
export function sameAttributes(a: IrNode, b: IrNode): boolean {
  if (a.kind !== b.kind) return false;
  const children: readonly string[] = CHILD_FIELDS[a.kind];
  const x = a as unknown as Fields;
  const y = b as unknown as Fields;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((key) => {
    if (!(key in y)) return false;
    const [u, v] = [x[key], y[key]];
    if (children.includes(key)) return Array.isArray(u) || (u === null) === (v === null);
    if (!Array.isArray(u)) return u === v;
    return Array.isArray(v) && u.length === v.length && u.every((e, i) => e === v[i]);
  });
}

/**
 * Visits every node under `root` (included) in pre-order, children left to right, with its depth in loops.
 * Iterative: bodies nest deeper than the stack allows (TinyGo output).
 */
export function forEachNode(root: IrNode | null, visit: (node: IrNode, loopDepth: number) => void): void {
  if (!root) return;
  const stack: Array<[IrNode, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    visit(node, depth);
    const inner = node.kind === 'loop' ? depth + 1 : depth;
    const kids = childrenOf(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, inner]);
  }
}

/** Whether some node under `root` satisfies `test`. */
export function someNode(root: IrNode | null, test: (node: IrNode) => boolean): boolean {
  if (!root) return false;
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (test(node)) return true;
    stack.push(...childrenOf(node));
  }
  return false;
}

export const hasLoop = (root: IrNode | null): boolean => someNode(root, (n) => n.kind === 'loop');

/** The names of the functions `root` calls directly, each once, in first-call order. */
export function calleesOf(root: IrNode | null): string[] {
  const names = new Set<string>();
  forEachNode(root, (n) => {
    if (n.kind === 'call') names.add(n.target);
  });
  return [...names];
}

export interface IrFunction {
  name: string;
  params: IrType[];
  results: IrType[];
  vars: IrType[];
  /** Set for imported functions, which have no body. */
  imported?: { module: string; base: string };
  body: IrNode | null;
  /** Expression count of the body. */
  size: number;
}

/** A function type as one string, `i32,i64->i32`: what "the same signature" compares. */
export const signatureOf = (fn: { params: readonly IrType[]; results: readonly IrType[] }): string =>
  `${fn.params.join(',')}->${fn.results.join(',')}`;

export const sameSignature = (a: IrFunction, b: IrFunction): boolean => signatureOf(a) === signatureOf(b);

export interface IrGlobal {
  name: string;
  type: IrType;
  mutable: boolean;
  imported?: { module: string; base: string };
  /** The initializer when it is a plain constant, else undefined. */
  init?: string;
}

export interface IrMemory {
  initial: number;
  max?: number;
  is64: boolean;
  shared: boolean;
  imported?: { module: string; base: string };
}

export interface IrTable {
  name: string;
  initial: number;
  max?: number;
  imported?: { module: string; base: string };
}

export interface IrDataSegment {
  name: string;
  passive: boolean;
  /** Active segments: the offset (its constant part when offsetGlobal is set), undefined when unknown. */
  offset?: number;
  /** Active segments placed relative to a global's value (`global.get $__memory_base`): that global. */
  offsetGlobal?: string;
  bytes: Uint8Array;
  /** binaryen.js could not read the segment (its offset is not a constant): nothing about it is known. */
  unreadable?: boolean;
}

export interface IrElementSegment {
  name: string;
  table: string;
  /** The offset (its constant part when offsetGlobal is set), undefined when it is beyond this reader. */
  offset?: number;
  /** Segments placed relative to a global's value (`global.get $__table_base`): that global. */
  offsetGlobal?: string;
  functions: string[];
  /** binaryen.js could not report the segment (a passive one): nothing about it is known. */
  unreadable?: boolean;
}

export interface IrExport {
  name: string;
  kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
  value: string;
}

export interface IrModule {
  functions: IrFunction[];
  globals: IrGlobal[];
  memory: IrMemory | null;
  tables: IrTable[];
  data: IrDataSegment[];
  elements: IrElementSegment[];
  exports: IrExport[];
  start: string | null;
  /** True when names come from a name section: the verifier sets it from the bytes (extraction cannot see them). */
  named: boolean;
  /**
   * Functions a `ref.func` names, in a body or a global's initializer: they may be called through a
   * reference. Undefined when not known (a module made some other way than by extraction).
   */
  references?: string[];
}

type Binaryen = typeof binaryenNs;
type Info = Record<string, unknown>;

const BINARY_OPS =
  /^(Add|Sub|Mul|DivS|DivU|Div|RemS|RemU|And|Or|Xor|Shl|ShrU|ShrS|RotL|RotR|Eq|Ne|LtS|LtU|LeS|LeU|GtS|GtU|GeS|GeU|Lt|Le|Gt|Ge|CopySign|Min|Max)(Int32|Int64|Float32|Float64)$/;
const UNARY_OPS = new RegExp(
  '^((Clz|Ctz|Popcnt|EqZ|Neg|Abs|Ceil|Floor|Trunc|Nearest|Sqrt)(Int32|Int64|Float32|Float64)' +
    '|ExtendSInt32|ExtendUInt32|WrapInt64|PromoteFloat32|DemoteFloat64|Reinterpret(Float32|Float64|Int32|Int64)' +
    '|ExtendS(8|16)Int32|ExtendS(8|16|32)Int64|(Trunc|TruncSat)(S|U)Float(32|64)ToInt(32|64)' +
    '|Convert(S|U)Int(32|64)ToFloat(32|64))$',
);
/** binaryen's SIMD unary operators (its UnaryOp enum); the other `…Vec…` operators are binary or of the SIMD kinds. */
const SIMD_UNARY_OPS = /^(Splat|Not|AnyTrue|AllTrue|Abs|Neg|Bitmask|Popcnt|Ceil|Floor|Trunc|Nearest|Sqrt|ExtAddPairwise|Convert|Extend|Demote|Promote|RelaxedTrunc)\w*Vec/;
/** binaryen's SIMDTernaryOp enum. */
const SIMD_TERNARY_OPS = /^(Bitselect|RelaxedMadd|RelaxedNmadd|Laneselect|RelaxedLaneselect|RelaxedDot\w*Add)/;

interface Names {
  unary: Map<number, string>;
  binary: Map<number, string>;
  kinds: Map<number, string>;
  /** Operators of the SIMD expression kinds, each numbered from 0 like unary and binary ones. */
  simd: { extract: Map<number, string>; replace: Map<number, string>; shift: Map<number, string>; ternary: Map<number, string>; load: Map<number, string>; lane: Map<number, string> };
}

let cachedNames: Names | undefined;

/**
 * binaryen exposes operators and expression ids as numbers, each kind's operators numbered from 0, so they
 * overlap across kinds: every name goes into its kind's map (a SIMD name by the family its prefix names; the
 * rest of the `Vec` names are binary operators). A number given two names in one map means a name went into
 * the wrong map, and a node would be read as another operator: that stops here.
 */
function operatorNames(binaryen: Binaryen): Names {
  if (cachedNames) return cachedNames;
  const names: Names = {
    unary: new Map(), binary: new Map(), kinds: new Map(),
    simd: { extract: new Map(), replace: new Map(), shift: new Map(), ternary: new Map(), load: new Map(), lane: new Map() },
  };
  const { simd } = names;
  for (const [key, value] of Object.entries(binaryen)) {
    if (typeof value !== 'number') continue;
    const map = BINARY_OPS.test(key) ? names.binary
      : UNARY_OPS.test(key) ? names.unary
      : !/Vec/.test(key) ? undefined
      : /^ExtractLane/.test(key) ? simd.extract
      : /^ReplaceLane/.test(key) ? simd.replace
      : /^(Shl|ShrS|ShrU)Vec/.test(key) ? simd.shift
      : SIMD_TERNARY_OPS.test(key) ? simd.ternary
      : /^(Load|Store)\d+LaneVec128$/.test(key) ? simd.lane
      : /^Load\w*Vec128$/.test(key) ? simd.load
      : SIMD_UNARY_OPS.test(key) ? names.unary
      : names.binary;
    if (map) {
      const known = map.get(value);
      if (known !== undefined && known !== key) throw new Error(`binaryen operators ${known} and ${key} read as one (${value})`);
      map.set(value, key);
    } else if (key.endsWith('Id') && !key.startsWith('_')) {
      names.kinds.set(value, key.slice(0, -2));
    }
  }
  cachedNames = names;
  return cachedNames;
}

export function irType(binaryen: Binaryen, type: number): IrType {
  switch (type) {
    case binaryen.none: return 'none';
    case binaryen.unreachable: return 'unreachable';
    case binaryen.i32: return 'i32';
    case binaryen.i64: return 'i64';
    case binaryen.f32: return 'f32';
    case binaryen.f64: return 'f64';
    case binaryen.v128: return 'v128';
    default: return `other:${type}`;
  }
}

function irTypes(binaryen: Binaryen, type: number): IrType[] {
  if (type === binaryen.none) return [];
  return binaryen.expandType(type).map((t) => irType(binaryen, t));
}

const f32View = new DataView(new ArrayBuffer(8));

/** Raw bits of a float constant; NaN payloads do not survive binaryen.js's number API, so NaN is marked. */
function floatBits(value: number, width: 32 | 64): string {
  if (Number.isNaN(value)) return 'nan';
  if (width === 32) {
    f32View.setFloat32(0, value, true);
    return `0x${f32View.getUint32(0, true).toString(16).padStart(8, '0')}`;
  }
  f32View.setFloat64(0, value, true);
  return `0x${f32View.getBigUint64(0, true).toString(16).padStart(16, '0')}`;
}

function constValue(binaryen: Binaryen, type: number, value: unknown): string {
  if (type === binaryen.i32) return String((value as number) >>> 0);
  if (type === binaryen.i64) return BigInt.asUintN(64, BigInt(value as bigint)).toString();
  if (type === binaryen.f32) return floatBits(value as number, 32);
  if (type === binaryen.f64) return floatBits(value as number, 64);
  // v128: binaryen.js gives its 16 bytes, lane 0's first (little-endian).
  return (value as number[]).reduceRight((bits, byte) => (bits << 8n) | BigInt(byte), 0n).toString();
}

export class IrExtractor {
  private readonly names: Names;
  count = 0;
  /** Functions named by a `ref.func` in the expressions read so far. */
  readonly references = new Set<string>();

  constructor(private readonly binaryen: Binaryen) {
    this.names = operatorNames(binaryen);
  }

  node(expr: number): IrNode {
    const b = this.binaryen;
    this.count++;
    // getExpressionInfo has no table entry for these two kinds and throws.
    const plainId = b.getExpressionId(expr);
    if (plainId === b.NopId) return { kind: 'nop', type: 'none' };
    if (plainId === b.UnreachableId) return { kind: 'unreachable', type: 'unreachable' };
    const info = b.getExpressionInfo(expr) as unknown as Info;
    const id = info['id'] as number;
    const type = irType(b, info['type'] as number);
    const optional = (field: string): IrNode | null => {
      const ref = info[field] as number;
      return ref ? this.node(ref) : null;
    };
    const kid = (field: string): IrNode => optional(field) ?? this.unsupported(`a missing ${field}`, 'unreachable');
    const list = (field: string): IrNode[] => ((info[field] as number[]) ?? []).map((ref) => this.node(ref));
    const str = (field: string): string | null => (info[field] as string | null) ?? null;
    switch (id) {
      case b.BlockId: return { kind: 'block', type, label: str('name'), children: list('children') };
      case b.IfId: return { kind: 'if', type, condition: kid('condition'), ifTrue: kid('ifTrue'), ifFalse: optional('ifFalse') };
      case b.LoopId: return { kind: 'loop', type, label: str('name'), body: kid('body') };
      case b.BreakId: return { kind: 'br', type, label: str('name') ?? '', value: optional('value'), condition: optional('condition') };
      case b.SwitchId:
        return {
          kind: 'br_table', type, labels: info['names'] as string[], defaultLabel: str('defaultName') ?? '',
          value: optional('value'), index: kid('condition'),
        };
      case b.CallId:
        if (info['isReturn']) break;
        return { kind: 'call', type, target: str('target') ?? '', operands: list('operands') };
      case b.CallIndirectId:
        if (info['isReturn']) break;
        return {
          kind: 'call_indirect', type, table: str('table') ?? '',
          params: irTypes(b, info['params'] as number), results: irTypes(b, info['results'] as number),
          operands: list('operands'), target: kid('target'),
        };
      case b.LocalGetId: return { kind: 'local.get', type, local: info['index'] as number };
      case b.LocalSetId:
        return { kind: 'local.set', type, local: info['index'] as number, tee: Boolean(info['isTee']), value: kid('value') };
      case b.GlobalGetId: return { kind: 'global.get', type, global: str('name') ?? '' };
      case b.GlobalSetId: return { kind: 'global.set', type, global: str('name') ?? '', value: kid('value') };
      case b.LoadId:
        if (info['isAtomic']) break;
        return {
          kind: 'load', type, bytes: info['bytes'] as number, offset: Number(info['offset']), signed: Boolean(info['isSigned']),
          ptr: kid('ptr'),
        };
      case b.StoreId:
        if (info['isAtomic']) break;
        return {
          kind: 'store', type, bytes: info['bytes'] as number, offset: Number(info['offset']),
          valueType: irType(b, info['valueType'] as number), ptr: kid('ptr'), value: kid('value'),
        };
      case b.ConstId: return { kind: 'const', type, value: constValue(b, info['type'] as number, info['value']) };
      case b.UnaryId: {
        const op = this.names.unary.get(info['op'] as number);
        if (!op) return this.unsupported(`unary operator ${info['op']}`, type);
        return { kind: 'unary', type, op, value: kid('value') };
      }
      case b.BinaryId: {
        const op = this.names.binary.get(info['op'] as number);
        if (!op) return this.unsupported(`binary operator ${info['op']}`, type);
        return { kind: 'binary', type, op, left: kid('left'), right: kid('right') };
      }
      case b.SelectId: return { kind: 'select', type, ifTrue: kid('ifTrue'), ifFalse: kid('ifFalse'), condition: kid('condition') };
      case b.DropId: return { kind: 'drop', type, value: kid('value') };
      case b.ReturnId: return { kind: 'return', type, value: optional('value') };
      case b.MemorySizeId: return { kind: 'memory.size', type };
      case b.MemoryGrowId: return { kind: 'memory.grow', type, delta: kid('delta') };
      case b.MemoryCopyId: return { kind: 'memory.copy', type, dest: kid('dest'), source: kid('source'), size: kid('size') };
      case b.MemoryFillId: return { kind: 'memory.fill', type, dest: kid('dest'), value: kid('value'), size: kid('size') };
      case b.SIMDExtractId: return this.simd(this.names.simd.extract, info, type, [info['index'] as number], [kid('vec')]);
      case b.SIMDReplaceId: return this.simd(this.names.simd.replace, info, type, [info['index'] as number], [kid('vec'), kid('value')]);
      case b.SIMDShuffleId: return { kind: 'simd', type, op: 'Shuffle', immediates: [...(info['mask'] as number[])], operands: [kid('left'), kid('right')] };
      case b.SIMDTernaryId: return this.simd(this.names.simd.ternary, info, type, [], [kid('a'), kid('b'), kid('c')]);
      case b.SIMDShiftId: return this.simd(this.names.simd.shift, info, type, [], [kid('vec'), kid('shift')]);
      case b.SIMDLoadId:
      case b.SIMDLoadStoreLaneId: {
        const lanes = id === b.SIMDLoadStoreLaneId;
        const op = (lanes ? this.names.simd.lane : this.names.simd.load).get(info['op'] as number);
        if (!op) return this.unsupported(`SIMD memory operator ${info['op']}`, type);
        return { kind: 'simd.memory', type, op, offset: Number(info['offset']), lane: lanes ? (info['index'] as number) : 0, ptr: kid('ptr'), vec: lanes ? kid('vec') : null };
      }
      case b.RefFuncId:
        this.references.add(str('func') ?? '');
        break;
      default:
        break;
    }
    return this.unsupported(this.names.kinds.get(id) ?? `expression id ${id}`, type);
  }

  /** A node of a SIMD kind whose operator `names` (that kind's) reads from `info.op`. */
  private simd(names: Map<number, string>, info: Info, type: IrType, immediates: number[], operands: IrNode[]): IrNode {
    const op = names.get(info['op'] as number);
    if (!op) return this.unsupported(`SIMD operator ${info['op']}`, type);
    return { kind: 'simd', type, op, immediates, operands };
  }

  /** The construct is kept by name so that the verdict can say what was not supported; no children. */
  private unsupported(what: string, type: IrType): IrNode {
    return { kind: 'unsupported', type, what };
  }

  /** `ref`'s IR; with `withBody` false, its signature alone (body null, size 0). */
  function(ref: number, withBody = true): IrFunction {
    const b = this.binaryen;
    const info = b.getFunctionInfo(ref);
    this.count = 0;
    const body = info.body && withBody ? this.node(info.body) : null;
    return {
      name: info.name,
      params: irTypes(b, info.params),
      results: irTypes(b, info.results),
      vars: (info.vars as number[]).map((t) => irType(b, t)),
      ...(info.module ? { imported: { module: info.module, base: info.base ?? '' } } : {}),
      body,
      size: this.count,
    };
  }
}

function constInit(binaryen: Binaryen, expr: number): string | undefined {
  if (!expr || binaryen.getExpressionId(expr) !== binaryen.ConstId) return undefined;
  const info = binaryen.getExpressionInfo(expr) as unknown as Info;
  return constValue(binaryen, info['type'] as number, info['value']);
}

function constOffset(binaryen: Binaryen, expr: number | null): number | undefined {
  const value = expr ? constInit(binaryen, expr) : undefined;
  return value === undefined ? undefined : Number(value);
}

/** `c`, `global.get $g` or `global.get $g + c`, as offset fields; nothing for other expressions. */
function segmentOffset(binaryen: Binaryen, expr: number | null): { offset?: number; offsetGlobal?: string } {
  const constant = constOffset(binaryen, expr);
  if (constant !== undefined || !expr) return constant === undefined ? {} : { offset: constant };
  const globalOf = (e: number) =>
    binaryen.getExpressionId(e) === binaryen.GlobalGetId ? ((binaryen.getExpressionInfo(e) as unknown as Info)['name'] as string) : undefined;
  const global = globalOf(expr);
  if (global) return { offset: 0, offsetGlobal: global };
  if (binaryen.getExpressionId(expr) !== binaryen.BinaryId) return {};
  const info = binaryen.getExpressionInfo(expr) as unknown as Info;
  const left = globalOf(info['left'] as number);
  const right = constOffset(binaryen, info['right'] as number);
  return info['op'] === binaryen.AddInt32 && left && right !== undefined ? { offset: right, offsetGlobal: left } : {};
}

const EXPORT_KINDS = ['function', 'table', 'memory', 'global', 'tag'] as const;

/**
 * A module's functions and globals; with `withBodies` false, the functions' signatures alone (bodies null):
 * what the rest of a module may refer to, read without walking any body.
 */
export function extractOutline(
  binaryen: Binaryen, module: binaryenNs.Module, extractor = new IrExtractor(binaryen), withBodies = false,
): Pick<IrModule, 'functions' | 'globals'> {
  const functions: IrFunction[] = [];
  for (let i = 0; i < module.getNumFunctions(); i++) functions.push(extractor.function(module.getFunctionByIndex(i), withBodies));
  const globals: IrGlobal[] = [];
  for (let i = 0; i < module.getNumGlobals(); i++) {
    const g = binaryen.getGlobalInfo(module.getGlobalByIndex(i));
    if (g.init && binaryen.getExpressionId(g.init) === binaryen.RefFuncId) {
      extractor.references.add((binaryen.getExpressionInfo(g.init) as unknown as Info)['func'] as string);
    }
    globals.push({
      name: g.name, type: irType(binaryen, g.type), mutable: g.mutable,
      ...(g.module ? { imported: { module: g.module, base: g.base ?? '' } } : {}),
      ...(g.module ? {} : { init: constInit(binaryen, g.init) }),
    });
  }
  return { functions, globals };
}

/** The whole module as plain data: every function's IR plus the context the encoder and module check need. */
export function extractModule(binaryen: Binaryen, module: binaryenNs.Module): IrModule {
  const extractor = new IrExtractor(binaryen);
  const { functions, globals } = extractOutline(binaryen, module, extractor, true);
  let memory: IrMemory | null = null;
  if (module.hasMemory()) {
    const m = module.getMemoryInfo() as unknown as Info;
    memory = {
      initial: m['initial'] as number, is64: Boolean(m['is64']), shared: Boolean(m['shared']),
      ...(m['max'] !== undefined ? { max: m['max'] as number } : {}),
      ...(m['module'] ? { imported: { module: m['module'] as string, base: m['base'] as string } } : {}),
    };
  }
  const tables: IrTable[] = [];
  for (let i = 0; i < module.getNumTables(); i++) {
    const t = binaryen.getTableInfo(module.getTableByIndex(i)) as unknown as Info;
    tables.push({
      name: t['name'] as string, initial: t['initial'] as number,
      ...(t['max'] !== undefined ? { max: t['max'] as number } : {}),
      ...(t['module'] ? { imported: { module: t['module'] as string, base: t['base'] as string } } : {}),
    });
  }
  const data: IrDataSegment[] = [];
  // binaryen.js has these at run time; its typings lack them.
  const segments = module as unknown as {
    getNumDataSegments(): number; getDataSegmentByIndex(i: number): number; getDataSegmentInfo(ref: number): Info;
  };
  for (let i = 0; i < segments.getNumDataSegments(); i++) {
    let d: Info;
    try {
      d = segments.getDataSegmentInfo(segments.getDataSegmentByIndex(i));
    } catch {
      // binaryen.js cannot report a segment whose offset is not a constant (e.g. `global.get $__memory_base`
      // in Emscripten's dynamically linked modules); the module check then refuses to decide.
      data.push({ name: `#${i}`, passive: false, bytes: new Uint8Array(), unreadable: true });
      continue;
    }
    data.push({
      name: d['name'] as string, passive: Boolean(d['passive']),
      ...(typeof d['offset'] === 'number' ? { offset: d['offset'] } : {}),
      bytes: new Uint8Array(d['data'] as ArrayBuffer),
    });
  }
  const elements: IrElementSegment[] = [];
  for (let i = 0; i < module.getNumElementSegments(); i++) {
    let e: ReturnType<typeof binaryen.getElementSegmentInfo>;
    try {
      e = binaryen.getElementSegmentInfo(module.getElementSegmentByIndex(i));
    } catch {
      // binaryen.js cannot report a passive segment; whatever reads segments then refuses to decide.
      elements.push({ name: `#${i}`, table: '', functions: [], unreadable: true });
      continue;
    }
    elements.push({ name: e.name, table: e.table, ...segmentOffset(binaryen, e.offset), functions: e.data });
  }
  const exports: IrExport[] = [];
  for (let i = 0; i < module.getNumExports(); i++) {
    const e = binaryen.getExportInfo(module.getExportByIndex(i));
    exports.push({ name: e.name, kind: EXPORT_KINDS[e.kind] ?? 'tag', value: e.value });
  }
  const start = module.getStart();
  return {
    functions, globals, memory, tables, data, elements, exports,
    start: start ? binaryen.getFunctionInfo(start).name : null,
    named: true,
    references: [...extractor.references],
  };
}

/**
 * Canonical texts and their hashes, per function object: a pipeline step asks for them several times (the
 * step's change, the proof-cache key, the callees' context) and IR is never changed in place.
 */
const canonicalTexts = new WeakMap<IrFunction, string>();
const functionHashes = new WeakMap<IrFunction, string>();

/** The canonical text of a body: what "identical" means and what content hashes are taken over. */
export function canonicalFunction(fn: IrFunction, rename?: (kind: 'call' | 'global', name: string) => string): string {
  const body = { p: fn.params, r: fn.results, v: fn.vars, b: fn.body };
  if (!rename) {
    let text = canonicalTexts.get(fn);
    if (text === undefined) canonicalTexts.set(fn, (text = JSON.stringify(body)));
    return text;
  }
  // With `rename`, the names of calls and global accesses are replaced as the text is written.
  return JSON.stringify(body, function (this: IrNode, key: string, value: unknown) {
    if (key === 'target' && this.kind === 'call') return rename('call', value as string);
    if (key === 'global' && (this.kind === 'global.get' || this.kind === 'global.set')) return rename('global', value as string);
    return value;
  });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function functionHash(fn: IrFunction): string {
  let hash = functionHashes.get(fn);
  if (hash === undefined) functionHashes.set(fn, (hash = sha256(canonicalFunction(fn))));
  return hash;
}
