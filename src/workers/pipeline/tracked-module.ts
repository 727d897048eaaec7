import { createHash } from 'node:crypto';
import type binaryenNs from 'binaryen';
import { binaryen, emitModule, readModule, withModule } from '../../wasm/binaryen.js';
import { ByteReader, sameBytes } from '../../wasm/bytes.js';
import { completeDataSegments } from '../../wasm/data-section.js';
import { extractModule, functionHash, IrExtractor, type IrFunction, type IrModule } from '../../wasm/ir.js';
import { readSections } from '../../wasm/sections.js';
import { expressionEdit } from '../../wasm/expression-edit.js';

const CODE_SECTION = 10;

/** What a pass did to the module, seen from outside: the module after it and which functions differ. */
export interface Observation {
  post: IrModule;
  /** Functions on both sides whose body or signature differ (by their IR). */
  changed: string[];
  added: string[];
  removed: string[];
  /** The module after the pass, with names and without stack IR optimization (replays read it). */
  bytes: Uint8Array;
  /** Code-section body size of every defined function after the pass. */
  sizes: Map<string, number>;
  /** Something besides function bodies changed (types, imports, globals, exports, segments, tables, memory). */
  structureChanged: boolean;
}

/** How a pass step is settled: which of its changes go back to the module before the pass. */
export interface Settlement {
  /** Changed functions put back to their pre-pass body and signature. */
  revert: string[];
  /** Functions the pass removed that come back (a reverted caller still calls them). */
  restore: string[];
  /** Functions the pass added that go (nothing kept refers to them). */
  drop: string[];
  /** Globals put back as they were before the pass. */
  globals: string[];
}

interface Bodies {
  hashes: Map<string, string>;
  sizes: Map<string, number>;
  /** Everything but the code and name sections: when it changes, the module's structure changed. */
  structure: string;
}

/**
 * A module being optimized pass by pass in this thread's binaryen heap, with what the proofs are about.
 * `live` is where passes run. `shadow` holds the last proved state's bodies and globals (only what a revert
 * copies back: binaryen copies expressions between modules of one thread), so reverting a step never goes
 * through bytes, whose round trip would itself be an unproved change. `ir` is the proved state as the
 * checker reads it: the IR of every function and the module's structure, always equal to `live` after a
 * step is settled. Changed functions are found without reading IR: one emit per pass, its code section split
 * into bodies and hashed (printing and hashing text costs twice the passes; see per-pass.md), and only bodies
 * whose bytes moved are read back into IR and compared.
 */
export class TrackedModule {
  ir: IrModule;
  /** The proved state as bytes (names kept, no stack IR optimization). */
  bytes: Uint8Array;
  sizes: Map<string, number>;
  private readonly fns = new Map<string, IrFunction>();
  private readonly irHashes = new Map<string, string>();
  private bodies: Bodies;
  private readonly extractor = new IrExtractor(binaryen);

  private constructor(
    readonly live: binaryenNs.Module,
    private readonly shadow: binaryenNs.Module | undefined,
    private readonly flags: number,
    /** The bytes `live` was read from. */
    private readonly base: Uint8Array,
  ) {
    this.bytes = emitModule(live, true, false);
    // The chain starts at the module as read: `live` has not been changed yet.
    this.ir = moduleIr(live, this.bytes);
    this.bodies = splitBodies(this.bytes, definedNames(live));
    this.sizes = this.bodies.sizes;
    this.index(this.ir.functions);
  }

  /**
   * The module as binaryen writes it and reads it back, before any pass: the first step of every chain
   * (the writer is not the reader's inverse). Once its rewrites are proved, `adopt` makes it the proved
   * state, so that from here on every state is exactly what its bytes read back as.
   */
  written(): IrModule {
    // Bytes binaryen wrote plain read back as the module they were read from (an incremental rebuild's base).
    if (sameBytes(this.bytes, this.base)) return this.ir;
    return withModule(this.bytes, this.flags, (readBack) => moduleIr(readBack, this.bytes));
  }

  adopt(written: IrModule): void {
    this.ir = written;
    this.index(written.functions);
  }

  /** `withShadow` is needed only where steps may be reverted (strict mode). */
  static read(bytes: Uint8Array, flags: number, withShadow: boolean): TrackedModule {
    const live = readModule(bytes, flags);
    try {
      return new TrackedModule(live, withShadow ? readModule(bytes, flags) : undefined, flags, bytes);
    } catch (error) {
      live.dispose();
      throw error;
    }
  }

  dispose(): void {
    this.live.dispose();
    this.shadow?.dispose();
  }

  /**
   * What the module looks like now against the proved state (call after running a pass on `live`). The IR of
   * what moved is read back from the emitted bytes, not from `live`: binaryen's writer and reader are not
   * each other's inverse (an unnamed block inside an operand comes back hoisted around the whole expression),
   * and what a step is proved about must be what the output will hold.
   */
  observe(): Observation {
    // binaryen writes no name for a function a pass created (merge-similar-functions' shared functions,
    // outlined parts): read back, it would be called by its index, and proofs are about names.
    for (const name of definedNames(this.live, true)) if (!this.fns.has(name)) nameExplicitly(this.live, name);
    const bytes = emitModule(this.live, true, false);
    const bodies = splitBodies(bytes, definedNames(this.live));
    const structureChanged = bodies.structure !== this.bodies.structure;
    const moved = this.ir.functions.filter((fn) => !fn.imported && bodies.hashes.get(fn.name) !== this.bodies.hashes.get(fn.name));
    const fresh = new Map<string, IrFunction>();
    let post: IrModule = this.ir;
    if (structureChanged || moved.length > 0) {
      post = withModule(bytes, this.flags, (readBack) => {
        if (structureChanged) return moduleIr(readBack, bytes);
        for (const fn of moved) fresh.set(fn.name, this.extractor.function(readBack.getFunction(fn.name)));
        return { ...this.ir, functions: this.ir.functions.map((fn) => fresh.get(fn.name) ?? fn) };
      });
      if (structureChanged) for (const fn of post.functions) fresh.set(fn.name, fn);
    }
    const changed: string[] = [];
    const added: string[] = [];
    const after = new Set<string>();
    for (const fn of post.functions) {
      after.add(fn.name);
      if (!this.fns.has(fn.name)) added.push(fn.name);
      else if (fresh.has(fn.name) && functionHash(fn) !== this.irHashes.get(fn.name)) changed.push(fn.name);
    }
    const removed = [...this.fns.keys()].filter((name) => !after.has(name));
    return { post, changed, added, removed, bytes, sizes: bodies.sizes, structureChanged };
  }

  /**
   * Makes `live` the module the settlement describes (the pass's changes minus those going back), the shadow
   * its copy, and `ir` its IR. Returns that IR (`next`) too.
   */
  settle(observation: Observation, settlement: Settlement): IrModule {
    const { live, shadow } = this;
    const reverting = settlement.revert.length + settlement.restore.length + settlement.drop.length + settlement.globals.length > 0;
    if (reverting && !shadow) throw new Error('a step cannot be reverted without the shadow module');
    for (const name of [...settlement.revert, ...settlement.restore]) copyFunction(shadow!, live, name);
    for (const name of settlement.drop) live.removeFunction(name);
    for (const name of settlement.globals) copyGlobal(shadow!, live, name);
    const back = reverting;

    const pre = this.fns;
    const post = new Map(observation.post.functions.map((fn) => [fn.name, fn]));
    const reverted = new Set([...settlement.revert, ...settlement.restore]);
    const dropped = new Set(settlement.drop);
    if (shadow) {
      // The shadow follows: every change that stays is copied into it.
      for (const name of observation.changed) if (!reverted.has(name)) copyFunction(live, shadow, name);
      for (const name of observation.added) if (!dropped.has(name)) copyFunction(live, shadow, name);
      for (const name of observation.removed) if (!reverted.has(name)) shadow.removeFunction(name);
      const restored = new Set(settlement.globals);
      const before = new Map(this.ir.globals.map((g) => [g.name, JSON.stringify(g)]));
      const after = new Set(observation.post.globals.map((g) => g.name));
      for (const g of observation.post.globals) {
        if (!restored.has(g.name) && before.get(g.name) !== JSON.stringify(g)) copyGlobal(live, shadow, g.name);
      }
      for (const name of before.keys()) if (!restored.has(name) && !after.has(name)) shadow.removeGlobal(name);
    }

    const order = definedNames(live, true);
    const functions = order.map((name) => (reverted.has(name) ? pre.get(name)! : (post.get(name) ?? pre.get(name)!)));
    const restoredGlobals = new Set(settlement.globals);
    const preGlobals = new Map(this.ir.globals.map((g) => [g.name, g]));
    const postGlobals = new Map(observation.post.globals.map((g) => [g.name, g]));
    const globals = settlement.globals.length === 0
      ? observation.post.globals
      : globalNames(live).map((name) => (restoredGlobals.has(name) ? preGlobals.get(name)! : postGlobals.get(name)!));
    this.ir = { ...observation.post, functions, globals };
    if (back) {
      this.bytes = emitModule(live, true, false);
      this.bodies = splitBodies(this.bytes, definedNames(live));
    } else {
      this.bytes = observation.bytes;
      this.bodies = splitBodies(observation.bytes, definedNames(live));
    }
    this.sizes = this.bodies.sizes;
    for (const name of observation.removed) if (!reverted.has(name)) this.forget(name);
    for (const name of settlement.drop) this.forget(name);
    this.index(functions.filter((fn) => this.fns.get(fn.name) !== fn));
    return this.ir;
  }

  private index(functions: IrFunction[]): void {
    for (const fn of functions) {
      this.fns.set(fn.name, fn);
      this.irHashes.set(fn.name, functionHash(fn));
    }
  }

  private forget(name: string): void {
    this.fns.delete(name);
    this.irHashes.delete(name);
  }

}

/** A module's IR, data segments completed from its bytes, names from one lineage. */
export function moduleIr(module: binaryenNs.Module, bytes: Uint8Array): IrModule {
  const ir = extractModule(binaryen, module);
  completeDataSegments(ir, bytes);
  ir.named = true;
  return ir;
}

/** Names of the functions in `module`'s order: defined ones only (the code section's order), or all. */
function definedNames(module: binaryenNs.Module, all = false): string[] {
  const names: string[] = [];
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (all || !info.module) names.push(info.name);
  }
  return names;
}

function globalNames(module: binaryenNs.Module): string[] {
  return Array.from({ length: module.getNumGlobals() }, (_, i) => binaryen.getGlobalInfo(module.getGlobalByIndex(i)).name);
}

function splitBodies(bytes: Uint8Array, names: string[]): Bodies {
  const hashes = new Map<string, string>();
  const sizes = new Map<string, number>();
  const structure = createHash('sha256');
  for (const section of readSections(bytes)) {
    if (section.id === CODE_SECTION) {
      const reader = new ByteReader(section.payload);
      const count = reader.u32();
      for (let i = 0; i < count; i++) {
        const body = reader.take(reader.u32());
        hashes.set(names[i]!, createHash('sha256').update(body).digest('hex'));
        sizes.set(names[i]!, body.length);
      }
    } else if (!(section.id === 0 && section.name === 'name')) {
      structure.update(`${section.id}:${section.name ?? ''}:`).update(section.payload);
    }
  }
  return { hashes, sizes, structure: structure.digest('hex') };
}

/**
 * Makes `into`'s function `name` a copy of `from`'s: the body alone when signature and locals agree (the
 * function keeps its place), otherwise the function is added anew (it moves to the end of the function list,
 * which changes no behaviour: everything refers to functions by name here).
 */
export function copyFunction(from: binaryenNs.Module, into: binaryenNs.Module, name: string): void {
  const source = binaryen.getFunctionInfo(from.getFunction(name));
  const existing = into.getFunction(name);
  if (existing) {
    const target = binaryen.getFunctionInfo(existing);
    const sameShape = !source.module && !target.module && source.params === target.params && source.results === target.results &&
      source.vars.length === target.vars.length && source.vars.every((v, i) => v === target.vars[i]);
    if (sameShape) {
      expressionEdit(binaryen).Function.setBody(existing, into.copyExpression(source.body));
      return;
    }
    into.removeFunction(name);
  }
  if (source.module) into.addFunctionImport(name, source.module, source.base ?? '', source.params, source.results);
  else into.addFunction(name, source.params, source.results, source.vars, into.copyExpression(source.body));
}

/** Adds `name` again with the same body, through the API that marks a function's name as one to write. */
function nameExplicitly(module: binaryenNs.Module, name: string): void {
  const info = binaryen.getFunctionInfo(module.getFunction(name));
  if (info.module) return;
  const body = module.copyExpression(info.body);
  module.removeFunction(name);
  module.addFunction(name, info.params, info.results, info.vars, body);
}

function copyGlobal(from: binaryenNs.Module, into: binaryenNs.Module, name: string): void {
  const source = binaryen.getGlobalInfo(from.getGlobal(name));
  if (into.getGlobal(name)) into.removeGlobal(name);
  if (source.module) into.addGlobalImport(name, source.module, source.base ?? '', source.type, source.mutable);
  else into.addGlobal(name, source.type, source.mutable, into.copyExpression(source.init));
}
