import { signatureOf, type IrGlobal, type IrModule } from '../wasm/ir.js';
import { elementLayout, memoryImage, sameImage, tableSlots, unusedTable } from './module-check.js';
import { byName, references, type References } from './pass-step.js';

/**
 * The module-level obligation of one pass step: `next` is `pre` after a pass, with its unproved function
 * changes already reverted. Per-function proofs (pass-step.ts) say nothing about exports, imports, start,
 * memory, data, tables, element segments and globals; this check accepts a difference there only when it
 * cannot be observed or is justified by a fact of `pre`:
 * - a function removed: references to it may go to a twin that `pre` shows identical (`duplicates`), and
 *   nothing left may reach it (exports, start and table slots are compared here, calls by validation);
 * - a signature changed only where a rule proved the function with all its callers (`signatures`);
 * - a global removed when nothing reads or writes it and it is not exported; made immutable when nothing
 *   writes it and the host cannot (not imported or exported); any other global change is refused by name, so
 *   the pipeline can put that global back as it was (always safe: every kept step was proved against `pre`);
 * - memory, data image, tables and slots as the whole-module check compares them (module-check.ts).
 * Anything else makes the whole step unacceptable, with the reason.
 */
export interface ModuleStepCheck {
  /** True when every difference is accepted, globals included. */
  accepted: boolean;
  /** Differences refused, one line each (globals included). */
  problems: string[];
  /** Globals whose change is refused: putting these back as they were in `pre` settles them. */
  globals: Map<string, string>;
}

export interface ModuleStepFacts {
  /** Removed function → its twin in `pre` (see duplicateRenames). */
  duplicates: ReadonlyMap<string, string>;
  /** Functions whose new signature a rule proved together with all their callers. */
  signatures: ReadonlySet<string>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function checkModuleStep(pre: IrModule, next: IrModule, facts: ModuleStepFacts): ModuleStepCheck {
  const problems: string[] = [];
  const globals = new Map<string, string>();
  const fail = (line: string) => problems.push(line);
  const preFns = byName(pre.functions);
  const nextFns = byName(next.functions);
  // Where a reference to a function of `pre` may point in `next`: itself, or its twin when it was removed.
  const target = (name: string) => (nextFns.has(name) ? name : facts.duplicates.get(name));
  // Walks every body of `pre`: only for a step that changed a signature.
  let outside: ((name: string) => boolean) | undefined;

  for (const fn of next.functions) {
    const before = preFns.get(fn.name);
    if (!before) {
      if (fn.imported) fail(`import ${fn.imported.module}.${fn.imported.base} added`);
      continue;
    }
    if (!same(before.imported ?? null, fn.imported ?? null)) fail(`function ${fn.name} changed its import`);
    if (signatureOf(before) !== signatureOf(fn)) {
      if (!facts.signatures.has(fn.name)) fail(`function ${fn.name} changed its signature without a proved rule`);
      else if ((outside ??= reachableFromOutside(pre))(fn.name)) fail(`function ${fn.name} changed its signature, but the host or a table can call it`);
    }
  }
  for (const fn of pre.functions) {
    if (nextFns.has(fn.name)) continue;
    if (fn.imported && !facts.duplicates.has(fn.name)) fail(`import ${fn.imported.module}.${fn.imported.base} removed`);
  }

  const nextExports = byName(next.exports);
  for (const e of pre.exports) {
    const o = nextExports.get(e.name);
    if (!o || o.kind !== e.kind) fail(`export ${e.name} removed or changed kind`);
    else if (e.kind === 'function' ? target(e.value) !== o.value : e.value !== o.value) fail(`export ${e.name} points elsewhere`);
  }
  for (const e of next.exports) if (!pre.exports.some((p) => p.name === e.name)) fail(`export ${e.name} added`);
  if ((pre.start === null) !== (next.start === null) || (pre.start !== null && target(pre.start) !== next.start)) fail('the start function changed');

  const used = references(next.functions);
  checkMemory(pre, next, used, fail);
  checkTables(pre, next, used, target, fail);

  const exported = new Set(next.exports.filter((e) => e.kind === 'global').map((e) => e.value));
  const nextGlobals = byName(next.globals);
  for (const g of pre.globals) {
    const o = nextGlobals.get(g.name);
    const why = globalChange(g, o, used, exported);
    if (why) globals.set(g.name, why);
  }
  for (const g of next.globals) {
    if (!pre.globals.some((p) => p.name === g.name) && (g.imported || exported.has(g.name))) fail(`global ${g.name} added as an import or export`);
  }
  for (const [name, why] of globals) fail(`global ${name}: ${why}`);
  return { accepted: problems.length === 0, problems, globals };
}

/**
 * Whether something other than a direct call can reach a function of `m`: an export, a table slot, the start,
 * or an expression the IR does not model. The module is walked once, however many functions are asked about.
 */
export function reachableFromOutside(m: IrModule): (name: string) => boolean {
  if (references(m.functions).functionRefs) return () => true;
  const reached = new Set([...m.exports.filter((e) => e.kind === 'function').map((e) => e.value), ...m.elements.flatMap((e) => e.functions), ...(m.start === null ? [] : [m.start])]);
  return (name) => reached.has(name);
}

/** Why the change of global `g` (to `o`, or removed) is not accepted, or undefined when it is. */
function globalChange(g: IrGlobal, o: IrGlobal | undefined, used: References, exported: Set<string>): string | undefined {
  if (!o) {
    if (used.globalsRead.has(g.name) || used.globalsWritten.has(g.name)) return 'removed but still used';
    return g.imported ? 'an imported global was removed' : undefined;
  }
  if (same(g, o)) return undefined;
  if (g.type !== o.type || !same(g.imported ?? null, o.imported ?? null)) return 'changed its type or import';
  if ((g.init ?? null) !== (o.init ?? null)) return 'changed its initializer';
  if (g.mutable && !o.mutable) {
    if (g.imported || exported.has(g.name)) return 'made immutable although the host can write it';
    if (used.globalsWritten.has(g.name)) return 'made immutable although a function writes it';
    return undefined;
  }
  return 'made mutable';
}

function checkMemory(pre: IrModule, next: IrModule, used: References, fail: (line: string) => void): void {
  if (pre.memory && !next.memory) {
    const observable = pre.memory.imported || pre.exports.some((e) => e.kind === 'memory') || used.memory || used.opaque;
    if (observable || next.data.length > 0) fail('the memory was removed although something can observe it');
  } else if (!same(pre.memory, next.memory)) {
    fail(`memory declaration changed (${JSON.stringify(pre.memory)} → ${JSON.stringify(next.memory)})`);
  }
  const unreadable = [...pre.data, ...next.data].find((d) => d.unreadable);
  if (unreadable) {
    if (!same(segments(pre), segments(next))) fail(`data segment ${unreadable.name} cannot be read, and the segments changed`);
    return;
  }
  const a = memoryImage(pre.data);
  const b = memoryImage(next.data);
  if (typeof a === 'string' || typeof b === 'string') {
    if (!same(segments(pre), segments(next))) fail(`${typeof a === 'string' ? a : b}, and the segments changed`);
  } else if (next.memory) {
    const difference = sameImage(a, b);
    if (difference) fail(difference);
  }
  // Passive segments are referred to by position (memory.init, data.drop): compared in order, byte for byte.
  const passive = (m: IrModule) => m.data.filter((d) => d.passive).map((d) => [...d.bytes]);
  if (!same(passive(pre), passive(next))) fail('passive data segments changed');
}

const segments = (m: IrModule) => m.data.map((d) => [d.passive, d.offsetGlobal ?? null, d.offset ?? null, [...d.bytes]]);

function checkTables(pre: IrModule, next: IrModule, used: References, target: (name: string) => string | undefined, fail: (line: string) => void): void {
  const declarations = (m: IrModule) => m.tables.map((t) => [t.initial, t.max ?? null, t.imported ?? null]);
  if (next.tables.length === 0 && pre.tables.length > 0) {
    const kept = pre.tables.map((t) => unusedTable(pre, t)).find((why) => why !== undefined);
    const indirect = used.opaque || used.indirect;
    if (kept || indirect) fail(`the table was removed although ${kept ?? 'a function may still use it'}`);
    return;
  }
  if (!same(declarations(pre), declarations(next))) fail('table declarations changed');
  const a = tableSlots(pre);
  const b = tableSlots(next);
  if (typeof a === 'string' || typeof b === 'string') {
    fail(typeof a === 'string' ? a : (b as string));
    return;
  }
  const symbolic = [...pre.elements, ...next.elements].some((e) => e.offsetGlobal !== undefined);
  if (symbolic && !same(elementLayout(pre), elementLayout(next))) fail('element segments placed relative to a global were rearranged');
  if (a.size !== b.size) fail(`table slots ${a.size} → ${b.size}`);
  for (const [slot, fn] of a) {
    if (b.get(slot) !== target(fn)) fail(`table slot ${slot} resolves to ${b.get(slot) ?? 'nothing'} instead of ${fn}`);
  }
}
