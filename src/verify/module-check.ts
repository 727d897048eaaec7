import type { ModuleCheck } from '../protocol/report.js';
import type { IrDataSegment, IrModule } from '../wasm/ir.js';
import type { FunctionPairs } from './matching.js';

/**
 * Module-level structure: per-function proofs say nothing about exports, imports, start, limits, segments or
 * global initializers. Every difference found is either shown harmless or makes the check fail, with a line
 * saying which.
 */

/** The initial memory image: address → byte, later segments overwriting earlier ones, zeros left out. */
export function memoryImage(segments: IrDataSegment[]): Map<number, number> | string {
  const image = new Map<number, number>();
  for (const s of segments) {
    if (s.passive) continue;
    if (s.offset === undefined || s.offsetGlobal !== undefined) return `data segment ${s.name} has a non-constant offset`;
    s.bytes.forEach((b, i) => image.set(s.offset! + i, b));
  }
  for (const [addr, b] of image) if (b === 0) image.delete(addr);
  return image;
}

export function sameImage(a: Map<number, number>, b: Map<number, number>): string | undefined {
  if (a.size !== b.size) return `initial memory images differ (${a.size} vs ${b.size} non-zero bytes)`;
  for (const [addr, byte] of a) if (b.get(addr) !== byte) return `initial memory images differ at address ${addr}`;
  return undefined;
}

/**
 * Slot → function. A slot placed relative to a global (`__table_base`) is named by that global and the
 * distance from it: the same name on both sides is the same slot whatever the global's value.
 */
export function tableSlots(m: IrModule): Map<string, string> | string {
  const slots = new Map<string, string>();
  for (const e of m.elements) {
    if (e.offset === undefined) return `element segment ${e.name} has an offset this check cannot read`;
    const base = e.offsetGlobal === undefined ? '' : `${e.offsetGlobal}+`;
    e.functions.forEach((fn, i) => slots.set(`${e.table}[${base}${e.offset! + i}]`, fn));
  }
  return slots;
}

/**
 * Why a table of the base could be observed, or undefined when it cannot: imported or exported, or an element
 * segment that does not fit (instantiation traps then). Calls through it are inside functions, which are
 * verified one by one: a candidate without a table has no call_indirect left to compare.
 */
export function unusedTable(m: IrModule, table: IrModule['tables'][number]): string | undefined {
  if (table.imported) return `table ${table.name} is imported`;
  if (m.exports.some((e) => e.kind === 'table' && e.value === table.name)) return `table ${table.name} is exported`;
  const misfit = m.elements.find((e) => e.table === table.name && (e.offset === undefined || e.offsetGlobal !== undefined || e.offset + e.functions.length > table.initial));
  return misfit && `element segment ${misfit.name} of table ${table.name} may not fit it`;
}

/** The placement of segments, in order: where a global decides it, overlaps depend on order too. */
export const elementLayout = (m: IrModule) => m.elements.map((e) => [e.table, e.offsetGlobal ?? null, e.offset ?? null, e.functions.length]);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * How `atoll verify` related a paired function's changed signature (module-pair.ts): by the signature rule,
 * whose obligation the checks of `functions` carry (the function and every function calling it), or not at
 * all, with the reason. `observable`: the host can see the change (an import, an export, a table slot, the
 * start), which is then a difference between the modules, not a gap in what could be proved.
 */
export type SignatureRelation = { rule: string; functions: readonly string[] } | { unrelated: string; observable: boolean };

export function checkModules(
  base: IrModule, candidate: IrModule, pairs: FunctionPairs, provedEqual: (baseName: string) => boolean,
  signatures: ReadonlyMap<string, SignatureRelation> = new Map(),
): ModuleCheck {
  const findings: string[] = [];
  let accepted = true;
  let differences = 0;
  /** A difference not shown harmless; `undecided` when it only waits on a function left unproved. */
  const fail = (line: string, undecided = false) => {
    accepted = false;
    if (!undecided) differences++;
    findings.push(`not accepted: ${line}`);
  };
  const note = (line: string) => findings.push(line);
  const candidateFns = new Map(candidate.functions.map((f) => [f.name, f]));
  const pairedFn = (name: string) => pairs.get(name);

  // Functions: signatures of pairs, and what was removed or added.
  const paired = new Set(pairs.values());
  const removed: string[] = [];
  for (const fn of base.functions) {
    const other = pairedFn(fn.name);
    if (!other) {
      if (!base.named || !candidate.named) fail(`function ${fn.name} of the base could not be matched`);
      else removed.push(fn.name);
      continue;
    }
    const o = candidateFns.get(other)!;
    if (!same([fn.params, fn.results], [o.params, o.results])) {
      const relation = signatures.get(fn.name);
      if (!relation) fail(`function ${fn.name} changed its signature`);
      else if ('unrelated' in relation) fail(`function ${fn.name} changed its signature: ${relation.unrelated}`, !relation.observable);
      else {
        const waiting = relation.functions.filter((name) => !provedEqual(name));
        if (waiting.length > 0) fail(`function ${fn.name} changed its signature (${relation.rule}); the signature rule's obligation waits on ${waiting.join(', ')}`, true);
        else note(`function ${fn.name} changed its signature (${relation.rule}): proved with every function calling it under the signature rule`);
      }
    }
    if (!same(fn.imported ?? null, o.imported ?? null)) fail(`function ${fn.name} changed its import`);
  }
  for (const fn of candidate.functions) {
    if (paired.has(fn.name)) continue;
    if (fn.imported) fail(`import ${fn.imported.module}.${fn.imported.base} added`);
    else if (!base.named || !candidate.named) fail(`function ${fn.name} of the candidate could not be matched`);
    else note(`added function ${fn.name}: only reachable through changed functions, which are verified`);
  }

  // Exports: same names and kinds; functions to paired functions, others to the same entities.
  const candidateExports = new Map(candidate.exports.map((e) => [e.name, e]));
  for (const e of base.exports) {
    const o = candidateExports.get(e.name);
    if (!o || o.kind !== e.kind) fail(`export ${e.name} removed or changed kind`);
    else if (e.kind === 'function' && pairedFn(e.value) !== o.value) fail(`export ${e.name} points to another function`);
    else if (e.kind === 'global' && e.value !== o.value && (base.named && candidate.named)) fail(`export ${e.name} points to another global`);
    candidateExports.delete(e.name);
  }
  for (const name of candidateExports.keys()) fail(`export ${name} added`);

  if ((base.start === null) !== (candidate.start === null) || (base.start && pairedFn(base.start) !== candidate.start)) {
    fail('the start function changed');
  }
  if (!same(base.memory, candidate.memory)) fail(`memory declaration changed (${JSON.stringify(base.memory)} → ${JSON.stringify(candidate.memory)})`);
  const tableDeclarations = (tables: IrModule['tables']) => tables.map((t) => [t.initial, t.max ?? null, t.imported ?? null]);
  if (candidate.tables.length === 0 && base.tables.length > 0) {
    const kept = base.tables.map((t) => unusedTable(base, t)).find((why) => why !== undefined);
    if (kept) fail(`the candidate has no table, but ${kept}`);
    else note('removed the table(s): neither imported nor exported, and their segments fit, so nothing could observe them');
  } else if (!same(tableDeclarations(base.tables), tableDeclarations(candidate.tables))) {
    fail('table declarations changed');
  }

  // Globals: every base global keeps its type, mutability and initializer, or was removed while unexported.
  const candidateGlobals = new Map(candidate.globals.map((g) => [g.name, g]));
  if (base.named && candidate.named) {
    for (const g of base.globals) {
      const o = candidateGlobals.get(g.name);
      if (!o) {
        if (base.exports.some((e) => e.kind === 'global' && e.value === g.name)) fail(`exported global ${g.name} removed`);
        else note(`removed global ${g.name}: not exported`);
        continue;
      }
      if (!same([g.type, g.mutable, g.init ?? null, g.imported ?? null], [o.type, o.mutable, o.init ?? null, o.imported ?? null])) {
        fail(`global ${g.name} changed its type, mutability or initializer`);
      }
      if (g.init === undefined && !g.imported) fail(`global ${g.name} has a non-constant initializer that cannot be compared`);
    }
  } else if (!same(base.globals.map((g) => [g.type, g.mutable, g.init ?? null]), candidate.globals.map((g) => [g.type, g.mutable, g.init ?? null]))) {
    fail('globals differ and the modules have no names to match them by');
  }

  // Data: the initial memory image, and passive segments byte for byte.
  const unreadable = [...base.data, ...candidate.data].find((d) => d.unreadable);
  if (unreadable) fail(`data segment ${unreadable.name} cannot be read (its offset is not a constant), so the initial memory images cannot be compared`);
  const imageA = memoryImage(base.data);
  const imageB = memoryImage(candidate.data);
  if (typeof imageA === 'string' || typeof imageB === 'string') {
    const segments = (m: IrModule) => m.data.map((d) => [d.passive, d.offsetGlobal ?? null, d.offset ?? null, [...d.bytes]]);
    if (!same(segments(base), segments(candidate))) {
      fail(`${typeof imageA === 'string' ? imageA : imageB}, and the segments differ`);
    }
  } else {
    const difference = sameImage(imageA, imageB);
    if (difference) fail(difference);
    else if (!same(base.data.map((d) => [d.offset, [...d.bytes]]), candidate.data.map((d) => [d.offset, [...d.bytes]]))) note('data segments rearranged; the initial memory image is identical');
  }
  const passive = (m: IrModule) => m.data.filter((d) => d.passive).map((d) => [d.name, [...d.bytes]]);
  if (!same(passive(base), passive(candidate))) fail('passive data segments differ');

  // Tables: every slot resolves to the paired function, and that function was proved equal (or unchanged).
  const slotsA = tableSlots(base);
  const slotsB = tableSlots(candidate);
  if (typeof slotsA === 'string' || typeof slotsB === 'string') {
    fail(typeof slotsA === 'string' ? slotsA : (slotsB as string));
  } else {
    const symbolic = [...base.elements, ...candidate.elements].some((e) => e.offsetGlobal !== undefined);
    if (symbolic && !same(elementLayout(base), elementLayout(candidate))) fail('element segments placed relative to a global were rearranged');
    if (slotsA.size !== slotsB.size) fail(`table slots ${slotsA.size} vs ${slotsB.size}`);
    for (const [slot, fn] of slotsA) {
      const other = slotsB.get(slot);
      if (other === undefined || pairedFn(fn) !== other) fail(`table slot ${slot} resolves to ${other ?? 'nothing'} instead of ${fn}`);
      else if (!provedEqual(fn)) fail(`table slot ${slot}: ${fn} is not proved equal`, true);
    }
  }

  // Removed functions: harmless when nothing outside the functions (which are verified) can reach them.
  for (const name of removed) {
    const uses = [
      ...base.exports.filter((e) => e.kind === 'function' && e.value === name).map((e) => `exported as ${e.name}`),
      ...(base.start === name ? ['the start function'] : []),
      ...(base.elements.some((e) => e.functions.includes(name)) ? ['in a table'] : []),
    ];
    if (uses.length === 0) note(`removed function ${name}: not exported, not in a table and not the start function, so only calls inside functions reach it, and those are verified`);
    else note(`removed function ${name}: ${uses.join(', ')}; the checks above say whether the candidate still provides it`);
  }
  if (accepted && findings.length === 0) findings.push('module structure unchanged');
  return { accepted, findings, differences };
}
