import type binaryenNs from 'binaryen';
import { emitModule, readModule } from '../wasm/binaryen.js';
import type { Objective } from '../wasm/metrics.js';
import { functionBodySizes } from '../wasm/names.js';
import { walkExpressions } from '../wasm/walk.js';
import { expressionEdit } from '../wasm/expression-edit.js';
import { ASSEMBLY_CLEANUP, type AssembleResult, type AssembleTask, type AssemblySources, type Score } from './binaryen-tasks.js';

type Binaryen = typeof binaryenNs;
type ExpressionRef = number;

/** A function as the three modules see it: its type, and where it comes from when imported. */
interface FunctionShape {
  params: number;
  results: number;
  /** `module.base` of an import; undefined for a defined function. */
  imported: string | undefined;
}

interface GlobalShape {
  type: number;
  mutable: boolean;
  imported: string | undefined;
}

/** What one module declares, by name: what a body moved into or out of it can refer to. */
interface Context {
  module: binaryenNs.Module;
  functions: Map<string, FunctionShape>;
  globals: Map<string, GlobalShape>;
  tables: Set<string>;
  hasMemory: boolean;
  /** Body sizes in bytes, by function name (the code section's entries). */
  sizes: Map<string, number>;
}

export interface AssemblyPlan {
  /** Functions whose body was taken from a donor, with the donor's index and the bytes its body saved. */
  taken: Array<{ name: string; donor: number; saved: number }>;
  /** Smaller bodies left out, with why (first reason per function). */
  skipped: Array<{ name: string; why: string }>;
}

/**
 * Expression kinds a moved body may hold: plain control flow, locals, globals, calls, memory, numeric and
 * SIMD operations. Anything else (segments, tables, references, exceptions, tuples, GC) refers to module
 * state this check does not compare, so a body holding it stays where it is.
 */
function movableKinds(binaryen: Binaryen): Set<number> {
  const b = binaryen;
  return new Set([
    b.BlockId, b.IfId, b.LoopId, b.BreakId, b.SwitchId, b.CallId, b.CallIndirectId, b.LocalGetId, b.LocalSetId,
    b.GlobalGetId, b.GlobalSetId, b.LoadId, b.StoreId, b.ConstId, b.UnaryId, b.BinaryId, b.SelectId, b.DropId,
    b.ReturnId, b.MemorySizeId, b.MemoryGrowId, b.NopId, b.UnreachableId, b.MemoryCopyId, b.MemoryFillId,
    b.AtomicRMWId, b.AtomicCmpxchgId, b.AtomicWaitId, b.AtomicNotifyId, b.AtomicFenceId, b.SIMDExtractId,
    b.SIMDReplaceId, b.SIMDShuffleId, b.SIMDTernaryId, b.SIMDShiftId, b.SIMDLoadId, b.SIMDLoadStoreLaneId,
  ]);
}

function memoryKinds(binaryen: Binaryen): Set<number> {
  const b = binaryen;
  return new Set([
    b.LoadId, b.StoreId, b.MemorySizeId, b.MemoryGrowId, b.MemoryCopyId, b.MemoryFillId, b.AtomicRMWId,
    b.AtomicCmpxchgId, b.AtomicWaitId, b.AtomicNotifyId, b.SIMDLoadId, b.SIMDLoadStoreLaneId,
  ]);
}

function contextOf(binaryen: Binaryen, module: binaryenNs.Module, bytes: Uint8Array): Context {
  const functions = new Map<string, FunctionShape>();
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    functions.set(info.name, { params: info.params, results: info.results, imported: info.module ? `${info.module}.${info.base}` : undefined });
  }
  const globals = new Map<string, GlobalShape>();
  for (let i = 0; i < module.getNumGlobals(); i++) {
    const info = binaryen.getGlobalInfo(module.getGlobalByIndex(i));
    globals.set(info.name, { type: info.type, mutable: info.mutable, imported: info.module ? `${info.module}.${info.base}` : undefined });
  }
  const tables = new Set<string>();
  for (let i = 0; i < module.getNumTables(); i++) tables.add(binaryen.getTableInfo(module.getTableByIndex(i)).name);
  return { module, functions, globals, tables, hasMemory: module.hasMemory(), sizes: functionBodySizes(bytes) };
}

const sameFunction = (a: FunctionShape | undefined, b: FunctionShape | undefined) =>
  !!a && !!b && a.params === b.params && a.results === b.results && a.imported === b.imported;

const sameGlobal = (a: GlobalShape | undefined, b: GlobalShape | undefined) =>
  !!a && !!b && a.type === b.type && a.mutable === b.mutable && a.imported === b.imported;

/**
 * Why a donor can give no body at all, or undefined when it can. Binaryen removes the writes to a global
 * nothing reads (simplify-globals), and then marks it immutable or drops it: every function of such a donor
 * may have lost writes the input makes. A body is only as good as its module's globals, so a donor must keep
 * mutable every global the input and the base both keep mutable.
 */
function donorMismatch(donor: Context, base: Context, input: Context): string | undefined {
  for (const [name, shape] of base.globals) {
    if (shape.mutable && sameGlobal(shape, input.globals.get(name)) && !sameGlobal(shape, donor.globals.get(name))) {
      return `global ${name} is mutable in the input and the base but not in the donor`;
    }
  }
  return undefined;
}

/**
 * Whether `name` is one and the same function in the donor and the base although the input's differs or is
 * missing (binaryen removed a parameter, or made the function up): the same type and import, a body with
 * the same text (names included) and locals, holding only movable kinds, with every function it calls again
 * an input function of the same type in all three modules or the same function in both, and every global it
 * uses the same in both. A call to it then does in the base what it did in the donor. Sibling refinements of
 * one module share the functions their common ancestor changed; this lets their bodies mix. Memoized per
 * donor; a function calling itself (or a cycle) is taken as the same while its own comparison is under way,
 * which the text comparison of every member of the cycle still decides.
 */
class SameFunctions {
  private readonly known = new Map<string, boolean>();

  constructor(
    private readonly binaryen: Binaryen,
    private readonly movable: Set<number>,
    private readonly donor: Context,
    private readonly base: Context,
    private readonly input: Context,
  ) {}

  /** Whether a body's call to `callee` means in the base what it means in the donor. */
  callable(callee: string): boolean {
    const there = this.base.functions.get(callee);
    if (sameFunction(there, this.donor.functions.get(callee)) && sameFunction(there, this.input.functions.get(callee))) return true;
    return this.same(callee);
  }

  same(name: string): boolean {
    const known = this.known.get(name);
    if (known !== undefined) return known;
    this.known.set(name, true);
    const result = this.compare(name);
    this.known.set(name, result);
    return result;
  }

  private compare(name: string): boolean {
    const { binaryen, donor, base } = this;
    const shape = base.functions.get(name);
    if (!sameFunction(shape, donor.functions.get(name))) return false;
    if (shape!.imported) return true;
    const ours = binaryen.getFunctionInfo(base.module.getFunction(name));
    const theirs = binaryen.getFunctionInfo(donor.module.getFunction(name));
    if (ours.vars.length !== theirs.vars.length || ours.vars.some((type, i) => type !== theirs.vars[i])) return false;
    if (binaryen.emitText(ours.body) !== binaryen.emitText(theirs.body)) return false;
    let same = true;
    walkExpressions(binaryen, theirs.body, (expr: ExpressionRef, id: number) => {
      if (!same) return;
      if (!this.movable.has(id) || id === binaryen.CallIndirectId) same = false;
      else if (id === binaryen.CallId) same = this.callable((binaryen.getExpressionInfo(expr) as binaryenNs.CallInfo).target);
      else if (id === binaryen.GlobalGetId || id === binaryen.GlobalSetId) {
        const global = (binaryen.getExpressionInfo(expr) as binaryenNs.GlobalGetInfo).name;
        same = sameGlobal(base.globals.get(global), donor.globals.get(global));
      }
    });
    return same;
  }
}

/**
 * Why the donor's body of `name` cannot replace the base's, or undefined when it can. The body may refer only
 * to what means the same in all three modules: functions of the input, with the same type (and import) in
 * the input, the donor and the base — functions binaryen made up (merged, split, specialized) or whose
 * parameters it changed may mean different things in different modules, unless they are the same function
 * in the donor and the base (SameFunctions) — and globals of the input with the same type and mutability.
 */
function bodyMismatch(binaryen: Binaryen, kinds: { movable: Set<number>; memory: Set<number> }, name: string, donor: Context, base: Context, input: Context, callees: SameFunctions): string | undefined {
  const shape = base.functions.get(name);
  if (!sameFunction(shape, donor.functions.get(name)) || !sameFunction(shape, input.functions.get(name))) {
    return 'its type differs between the input, the donor and the base';
  }
  const body = binaryen.getFunctionInfo(donor.module.getFunction(name)).body;
  let why: string | undefined;
  walkExpressions(binaryen, body, (expr: ExpressionRef, id: number) => {
    if (why) return;
    if (!kinds.movable.has(id)) {
      why = `holds an expression of kind ${id} that refers to state not compared`;
    } else if (id === binaryen.CallId) {
      const callee = (binaryen.getExpressionInfo(expr) as binaryenNs.CallInfo).target;
      if (!callees.callable(callee)) why = `calls ${callee}, which is not the same function in the donor and the base`;
    } else if (id === binaryen.GlobalGetId || id === binaryen.GlobalSetId) {
      const global = (binaryen.getExpressionInfo(expr) as binaryenNs.GlobalGetInfo).name;
      const there = base.globals.get(global);
      if (!sameGlobal(there, donor.globals.get(global)) || !sameGlobal(there, input.globals.get(global))) {
        why = `uses global ${global}, which differs in the base`;
      }
    } else if (id === binaryen.CallIndirectId) {
      // binaryen.js reports the table of a call_indirect, though its typings leave it out.
      const table = (binaryen.getExpressionInfo(expr) as binaryenNs.CallIndirectInfo & { table: string }).table;
      if (!base.tables.has(table)) why = `calls through table ${table}, which the base does not have`;
    } else if (kinds.memory.has(id) && !base.hasMemory) {
      why = 'uses memory, which the base does not have';
    }
  });
  return why;
}

/**
 * Per function, the smallest body any donor holds whose context is compatible with the base (see
 * bodyMismatch), written into `base`. Function order is kept: a body whose locals differ from the base's
 * needs its function re-added, and so does every function after it.
 */
export function assembleModule(binaryen: Binaryen, base: Context, donors: Context[], input: Context): AssemblyPlan {
  const kinds = { movable: movableKinds(binaryen), memory: memoryKinds(binaryen) };
  const usable = donors.map((donor) => donorMismatch(donor, base, input));
  const callees = donors.map((donor) => new SameFunctions(binaryen, kinds.movable, donor, base, input));
  const taken: AssemblyPlan['taken'] = [];
  const skipped: AssemblyPlan['skipped'] = [];
  for (const [name, shape] of base.functions) {
    if (shape.imported) continue;
    const own = base.sizes.get(name);
    if (own === undefined) continue;
    const offers = donors
      .map((donor, index) => ({ index, size: donor.sizes.get(name) }))
      .filter((offer): offer is { index: number; size: number } => offer.size !== undefined && offer.size < own)
      .sort((a, b) => a.size - b.size || a.index - b.index);
    let firstWhy: string | undefined;
    for (const offer of offers) {
      const why = usable[offer.index] ?? bodyMismatch(binaryen, kinds, name, donors[offer.index]!, base, input, callees[offer.index]!);
      if (!why) {
        taken.push({ name, donor: offer.index, saved: own - offer.size });
        firstWhy = undefined;
        break;
      }
      firstWhy ??= why;
    }
    if (firstWhy) skipped.push({ name, why: firstWhy });
  }
  replaceBodies(binaryen, base.module, new Map(taken.map((t) => [t.name, donors[t.donor]!.module])));
  return { taken, skipped };
}

function replaceBodies(binaryen: Binaryen, module: binaryenNs.Module, from: Map<string, binaryenNs.Module>): void {
  const defined = Array.from({ length: module.getNumFunctions() }, (_, i) => binaryen.getFunctionInfo(module.getFunctionByIndex(i)))
    .filter((f) => !f.module)
    .map((f) => f.name);
  let readding = false;
  for (const name of defined) {
    const donor = from.get(name);
    if (!donor && !readding) continue;
    const own = binaryen.getFunctionInfo(module.getFunction(name));
    const theirs = donor && binaryen.getFunctionInfo(donor.getFunction(name));
    const vars = theirs ? theirs.vars : own.vars;
    if (!readding && own.vars.length === vars.length && own.vars.every((type, i) => type === vars[i])) {
      expressionEdit(binaryen).Function.setBody(module.getFunction(name), module.copyExpression(theirs!.body));
      continue;
    }
    // Expressions live in the module's arena, so the kept body stays valid after its function is removed.
    readding = true;
    const body = theirs ? module.copyExpression(theirs.body) : own.body;
    module.removeFunction(name);
    module.addFunction(name, own.params, own.results, vars, body);
  }
}

/**
 * The checked pipeline's assemble step (ASSEMBLE_PASS): `module` (whose emitted bytes are `bytes`) with, per
 * function, the smallest compatible body of the input or a donor. Donor indices of the plan count the input
 * as 0. Whether each replaced body stays is the pipeline's check, not this function's.
 */
export function assembleOnto(binaryen: Binaryen, module: binaryenNs.Module, bytes: Uint8Array, sources: AssemblySources, flags: number): AssemblyPlan {
  const modules: binaryenNs.Module[] = [];
  const open = (named: Uint8Array) => {
    const opened = readModule(named, flags);
    modules.push(opened);
    return contextOf(binaryen, opened, named);
  };
  try {
    const input = open(sources.input);
    const base = contextOf(binaryen, module, bytes);
    // Reading a module costs a few percent of an -Oz: a donor none of whose bodies is smaller than the base's
    // can give nothing (assembleModule only looks at smaller ones), so only the others are read. Indices
    // count the input as 0 and every donor given, read or not.
    const offering = sources.donors.map((named, index) => ({ named, index: index + 1 })).filter(({ named }) => offersSmaller(named, base.sizes));
    const plan = assembleModule(binaryen, base, [input, ...offering.map(({ named }) => open(named))], input);
    const given = [0, ...offering.map(({ index }) => index)];
    return { ...plan, taken: plan.taken.map((t) => ({ ...t, donor: given[t.donor]! })) };
  } finally {
    for (const opened of modules) opened.dispose();
  }
}

/** Whether a donor (named bytes) holds a body smaller than the base's of the same function. */
function offersSmaller(named: Uint8Array, base: ReadonlyMap<string, number>): boolean {
  for (const [name, size] of functionBodySizes(named)) {
    const own = base.get(name);
    if (own !== undefined && size < own) return true;
  }
  return false;
}

/**
 * The assemble task: the base with, per function, the smallest compatible body of any donor (the input is
 * one of them), then ASSEMBLY_CLEANUP; validated by binaryen and by V8. The search keeps it only when it
 * beats the base.
 */
export function assemble(
  binaryen: Binaryen,
  task: AssembleTask,
  score: (module: binaryenNs.Module, size: number, objective: Objective) => Score,
): AssembleResult {
  const module = readModule(task.base, task.flags);
  try {
    const plan = assembleOnto(binaryen, module, task.base, { input: task.input, donors: task.donors }, task.flags);
    module.runPasses(ASSEMBLY_CLEANUP);
    if (!module.validate()) return { ok: false, error: 'the assembled module does not validate in binaryen', skipped: plan.skipped };
    const stripped = emitModule(module, false);
    if (!WebAssembly.validate(stripped)) return { ok: false, error: 'the assembled module does not validate in V8', skipped: plan.skipped };
    return {
      ok: true,
      named: emitModule(module, true),
      stripped,
      score: score(module, stripped.length, task.objective),
      // Donor 0 is the input; the task's donors follow.
      taken: plan.taken.map((t) => ({ ...t, donor: t.donor - 1 })),
      skipped: plan.skipped,
    };
  } finally {
    module.dispose();
  }
}
