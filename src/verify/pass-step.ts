import type { UnknownReason, Verdict } from '../protocol/report.js';
import { canonicalFunction, childrenOf, forEachNode, functionHash, hasLoop, mapChildren, signatureOf, type IrFunction, type IrGlobal, type IrModule, type IrNode } from '../wasm/ir.js';
import { alphaEquivalent } from './alpha.js';
import type { CalleeAssumptions } from './cache-key.js';
import { checkPair, type CheckOptions, type CheckResult, type CheckServices, type PairSide } from './checker.js';
import { ModuleContext, type CallPolicy } from './context.js';
import { callableFunctions } from './callable.js';
import { callersOf, relatedPair, rewriteTree, signatureChanges, touchedBy } from './signature-rule.js';

/**
 * The obligation of one pass step (design §1.3, §2): a binaryen pass took the proved module `pre` to `post`;
 * which of its changes are proved? Pure code over IR, shared by the pipeline that applies passes (in a
 * binaryen worker) and by the certificate check, which re-derives every verdict without trusting a file.
 *
 * WHY EACH STEP IS CHECKED AGAINST THE PRE-PASS MODULE ON BOTH SIDES. The steps of one pass are decided one
 * function at a time and some are reverted, so a step's proof must not lean on another function's change in
 * the same pass. Each changed function is therefore checked as `f_post` against `f_pre` with the callee
 * bodies, globals and memory of `pre` on both sides (plus, on the candidate side, functions and globals the
 * pass created, which exist nowhere else). A kept step thus satisfies f_post[pre] ≡ f_pre[pre]: run among
 * the functions of `pre`, it behaves as f_pre does. The module after the pass, `next`, holds for every
 * function either its pre body (reverted or unchanged) or a kept f_post. By induction on call depth, every
 * execution of `next` of depth ≤ n behaves as the same execution of `pre`: at depth 0 a function calls
 * nothing and the step's proof applies directly; at depth n+1 each callee runs at depth ≤ n and behaves as
 * in `pre` by hypothesis, so the function behaves as it does among the functions of `pre`, which its step
 * proved equal to its pre body. Hence next ≡ pre, and the chain of passes keeps every module equivalent to
 * the input. Module-level facts used by a proof (a global no function writes is its initializer; a callee
 * identical to another may stand for it) are facts of `pre`, and `checkModuleStep` checks that `next` keeps
 * them wherever they matter (no removed function reachable, exports and table slots to equal functions,
 * globals changed only in the ways the facts allow).
 */

/**
 * What a proved step rests on besides its two bodies, where an incremental rebuild could make it false: the
 * callees' bodies and properties the pair check assumed (cache-key.ts, calleeAssumptions), and the globals it
 * read as constants (nothing wrote them) or whose writes it left out (nothing read them). Empty lists are left out.
 */
export interface StepFacts extends Partial<CalleeAssumptions> {
  constantGlobals?: string[];
  unreadGlobals?: string[];
  /** Proved because nothing in the module after the step can call the function (callable.ts). */
  uncallable?: boolean;
}

/** How one (function, pass) step was decided. */
export interface StepVerdict {
  name: string;
  verdict: Verdict;
  /** The module-level rule the proof rests on besides the pair check, when there is one. */
  rule?: string;
  /** Proved steps only: what the proof assumed about the rest of the module. */
  facts?: StepFacts;
  cached: boolean;
  solverMs: number;
  ms: number;
}

/** One pass step: the module before and after a pass, and what changed between them. */
export interface PassStep {
  pass: string;
  pre: IrModule;
  post: IrModule;
  /** Functions on both sides whose body or signature differ. */
  changed: string[];
  /** Functions only in `post` / only in `pre`. */
  added: string[];
  removed: string[];
  /** Each side as bytes, only to replay a counterexample for real. */
  preBytes(): Uint8Array;
  postBytes(): Uint8Array;
}

export interface StepCheckOptions extends CheckOptions {
  /** Pair checks in flight at once (their solver queries overlap); default 4. */
  concurrency?: number;
  /** Check only these changed functions (a certificate's kept steps); the others get no verdict. */
  only?: ReadonlySet<string>;
  onChecked?: (done: number, total: number) => void;
  /** Changed functions checked without the solver (CheckOptions.solver): what the value graph does not settle is unknown. */
  withoutSolver?: ReadonlySet<string>;
  /** Date.now() past which no check starts (a job's time budget): the functions left are unknown, not checked. */
  deadline?: number;
}

const unknown = (reason: UnknownReason, detail?: string): Verdict => ({
  status: 'unknown',
  reason,
  ...(detail ? { detail } : {}),
});

/**
 * Every changed function of `step` decided: first by the rules a module-level pass needs (a call redirected
 * from a removed duplicate to its twin), then by the pair checker. Verdicts are sorted by name, and each
 * depends only on its own pair and `pre`, so the order in which concurrent checks finish changes nothing.
 */
export async function checkStepFunctions(step: PassStep, services: CheckServices, options: StepCheckOptions): Promise<StepVerdict[]> {
  const work = step.changed.filter((name) => !options.only || options.only.has(name)).sort();
  if (work.length === 0) return [];
  const pre = byName(step.pre.functions);
  const post = byName(step.post.functions);
  const duplicates = duplicateRenames(step);
  const contexts = stepContexts(step);
  const signatures = signatureChanges(step.pre, step.post, step.changed);
  const changedSet = new Set(step.changed);
  const viaRule = touchedBy(callersOf(signatures.changes, step.post.functions.filter((f) => changedSet.has(f.name))));
  const unread = unreadGlobals(step.pre, step.post);
  // Asked only for a pair that did not prove: the walk over the whole module is then worth it.
  let callable: Set<string> | undefined | null = null;
  const runsAfter = (name: string) => (callable === null ? (callable = callableAfterStep(step.post)) : callable)?.has(name) ?? true;
  const results: StepVerdict[] = new Array(work.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < work.length) {
      const i = next++;
      const name = work[i]!;
      const started = performance.now();
      const a = pre.get(name)!;
      const b = post.get(name)!;
      let result: StepVerdict;
      const unexplained = signatures.unexplained.get(name);
      if (options.deadline !== undefined && Date.now() > options.deadline) {
        result = { name, verdict: unknown('timeout', 'not checked: the time budget ran out'), cached: false, solverMs: 0, ms: 0 };
      } else if (unexplained || Boolean(a.imported) !== Boolean(b.imported)) {
        result = { name, verdict: unknown('signature-changed', unexplained ?? 'an import became a definition or the reverse'), cached: false, solverMs: 0, ms: 0 };
      } else if (duplicates.size > 0 && renamedOnly(a, b, duplicates)) {
        const twins = [...new Set(duplicates.values())].sort();
        result = { name, verdict: { status: 'proved', method: 'identical' }, rule: 'calls to removed duplicates redirected to their twins', facts: { reads: twins }, cached: false, solverMs: 0, ms: 0 };
      } else if (sameInWriterNormalForm(a, b)) {
        result = { name, verdict: { status: 'proved', method: 'alpha' }, rule: "equal up to renaming in the form binaryen's writer and reader leave alone", cached: false, solverMs: 0, ms: 0 };
      } else {
        // Rules that read both sides differently (see signature-rule.ts, unreadGlobals) before the pair check.
        const rules: string[] = [];
        let fa = a;
        let fb = b;
        if (viaRule.has(name)) {
          const related = relatedPair(a, b, signatures.changes);
          fa = related.base;
          fb = related.candidate;
          rules.push(related.rule);
        }
        if (unread.size > 0 && (writesAny(fa, unread) || writesAny(fb, unread))) {
          fa = dropWritesTo(fa, unread);
          fb = dropWritesTo(fb, unread);
          rules.push('writes to globals nothing reads are not compared');
        }
        const pairOptions = { ...options, ...(options.withoutSolver?.has(name) ? { solver: false } : {}) };
        const sides = [{ fn: fa, ctx: contexts.base, bytes: step.preBytes }, { fn: fb, ctx: contexts.candidate, bytes: step.postBytes }] as const;
        const checked = rules.length > 0
          ? await checkRewrittenPair(...sides, services, pairOptions, viaRule.has(name) ? 'signature-changed' : 'context')
          : await checkPair(...sides, services, pairOptions);
        const facts = checked.assumes && stepFacts(checked.assumes, fa, fb, contexts.candidate, contexts.constant, unread);
        result = {
          name, verdict: checked.verdict, ...(rules.length ? { rule: rules.join('; ') } : {}), ...(facts ? { facts } : {}),
          cached: checked.cached, solverMs: checked.solverMs, ms: 0,
        };
        // A body nothing can run is no behaviour (remove-unused-module-elements makes table slots that no
        // call_indirect of their signature reaches `unreachable`): as in `atoll verify`, whose argument this
        // is (callable.ts), with the module after the step; every function that can run is checked on its own.
        if (checked.verdict.status !== 'proved' && !runsAfter(name)) {
          result = {
            name, verdict: { status: 'proved', method: 'unreachable' }, rule: 'nothing in the module after the step can call it',
            facts: { uncallable: true }, cached: false, solverMs: checked.solverMs, ms: 0,
          };
        }
      }
      result.ms = Math.round((performance.now() - started) * 10) / 10;
      results[i] = result;
      options.onChecked?.(++done, work.length);
    }
  };
  // A lane that throws ends the call only once every lane has: no check goes on in the background after its
  // task returned, holding a claim on its proof-cache key that nothing would then settle.
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(options.concurrency ?? 4, work.length) }, worker));
  const failed = lanes.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
  if (failed) throw failed.reason;
  return results;
}

/**
 * The functions of a step's module that can run (callable.ts), or undefined. A pipeline's module IR keeps the
 * `ref.func` targets it was first read with (IrModule.references) while its bodies change, so a body that
 * holds a `ref.func` now (the IR does not name its target) makes this give up: without one, the targets read
 * then are a superset of the ones there are (a global's initializer changes only with the module's
 * structure, and then its IR is read afresh).
 */
function callableAfterStep(post: IrModule): Set<string> | undefined {
  let refFunc = false;
  for (const fn of post.functions) forEachNode(fn.body, (n) => { if (n.kind === 'unsupported' && n.what === 'RefFunc') refFunc = true; });
  return refFunc ? undefined : callableFunctions(post);
}

/**
 * A proved pair's facts: its callee assumptions, the constant globals it or a callee it read or took as pure
 * may read (`ctx`: the candidate side's context, which holds every function of the step), and the unread
 * globals whose writes its own bodies had (the ones left out).
 */
function stepFacts(
  assumes: CalleeAssumptions, a: IrFunction, b: IrFunction, ctx: ModuleContext, constant: ReadonlySet<string>, unread: ReadonlySet<string>,
): StepFacts | undefined {
  const own = references([a, b]);
  // A pure callee may be pure only because a global it reads is read as constant here.
  const readers = [a, b, ...[...assumes.reads, ...assumes.pure].map((name) => ctx.functions.get(name)).filter((fn): fn is IrFunction => fn !== undefined)];
  const constantGlobals = constant.size === 0 ? [] : [...references(readers).globalsRead].filter((g) => constant.has(g)).sort();
  const unreadGlobals = [...own.globalsWritten].filter((g) => unread.has(g)).sort();
  const facts: StepFacts = {};
  for (const [key, names] of [['reads', assumes.reads], ['pure', assumes.pure], ['sizeKeepers', assumes.sizeKeepers], ['constantGlobals', constantGlobals], ['unreadGlobals', unreadGlobals]] as const) {
    if (names.length > 0) facts[key] = names;
  }
  return Object.keys(facts).length > 0 ? facts : undefined;
}

/**
 * A pair that a rule rewrote on both sides (signature-rule.ts, unreadGlobals), checked. Runs execute the real
 * functions, not the rewritten pair: under a rule they would compare the wrong things (and call a changed
 * signature with the old arguments), so only the solver decides. A model of a rewritten pair replays the
 * real functions, which differ from what was compared: a difference there says the rule's obligation does not
 * hold (unknown, `reason`), not that the optimizer miscompiled.
 */
export async function checkRewrittenPair(base: PairSide, candidate: PairSide, services: CheckServices, options: CheckOptions, reason: UnknownReason): Promise<CheckResult> {
  const checked = await checkPair(base, candidate, services, { ...options, runs: { before: 0, after: 0 } });
  if (checked.verdict.status !== 'refuted') return checked;
  const { observed } = checked.verdict.counterexample;
  return { ...checked, verdict: unknown(reason, `the rule's obligation does not hold (${observed?.base} vs ${observed?.candidate})`) };
}

/**
 * `fn` in the form binaryen's writer and reader leave alone (what they change is written out below; each
 * rewrite keeps what runs and in which order): without the labels of blocks and loops nothing
 * branches to (the writer drops them, and a label no branch names means nothing), with an unlabelled block
 * inside a block spliced into it (a sequence in a sequence) and one holding a single child of its own type
 * replaced by that child, and without the children of a block that follow
 * one of type `unreachable` (control never gets there; the writer adds an `unreachable` after a loop that
 * never falls through). Undefined when a body holds an unmodelled expression that might branch.
 */
export function writerNormalForm(fn: IrFunction): IrFunction | undefined {
  if (!fn.body) return fn;
  const targets = new Set<string>();
  let opaque = false;
  forEachNode(fn.body, (n) => {
    if (n.kind === 'br') targets.add(n.label);
    else if (n.kind === 'br_table') for (const label of [...n.labels, n.defaultLabel]) targets.add(label);
    else if (n.kind === 'unsupported') opaque = true;
  });
  if (opaque) return undefined;
  const sequence = (block: Extract<IrNode, { kind: 'block' }>): IrNode => {
    const label = block.label !== null && !targets.has(block.label) ? null : block.label;
    const hoisted = block.children.flatMap(hoistLeadingBlocks);
    const flat = hoisted.some((child) => child.kind === 'block' && child.label === null)
      ? hoisted.flatMap((child) => (child.kind === 'block' && child.label === null ? child.children : [child]))
      : hoisted;
    const dead = flat.findIndex((child) => child.type === 'unreachable');
    const children = dead >= 0 && dead < flat.length - 1 ? flat.slice(0, dead + 1) : flat;
    // An unlabelled block of one child of its own type is that child.
    if (label === null && children.length === 1 && children[0]!.type === block.type) return children[0]!;
    return label === block.label && children === block.children ? block : { ...block, label, children };
  };
  // A statement that is not a block (an `if` arm, a loop body, the function body) is read as a sequence of one.
  const statement = (node: IrNode): IrNode =>
    node.kind === 'block' ? node : sequence({ kind: 'block', type: node.type, label: null, children: [node] });
  const body = statement(rewriteTree(fn.body, (n) => {
    if (n.kind === 'block') return sequence(n);
    if (n.kind === 'loop') {
      const label = n.label !== null && !targets.has(n.label) ? null : n.label;
      return { ...n, label, body: statement(n.body) };
    }
    if (n.kind === 'if') return { ...n, ifTrue: statement(n.ifTrue), ifFalse: n.ifFalse && statement(n.ifFalse) };
    return n;
  }));
  return { ...fn, body };
}

/**
 * A statement whose first-evaluated operand (followed down through first operands, never into a block,
 * loop or `if` arm) is an unlabelled block `{ s…; v }`, written as `s…` followed by the statement with `v`
 * in that place: the same evaluation in the same order, in the same label scope. binaryen's reader builds
 * this shape from stack code that its writer wrote from the other.
 */
function hoistLeadingBlocks(statement: IrNode): IrNode[] {
  const out: IrNode[] = [];
  let current = statement;
  for (;;) {
    const leading = leadingBlock(current);
    if (!leading) break;
    out.push(...leading.children.slice(0, -1));
    current = replaceLeading(current, leading, leading.children[leading.children.length - 1]!);
  }
  out.push(current);
  return out;
}

function leadingBlock(node: IrNode): Extract<IrNode, { kind: 'block' }> | undefined {
  for (let current = node; current.kind !== 'block' && current.kind !== 'loop';) {
    const first = childrenOf(current)[0];
    if (!first) return undefined;
    if (first.kind === 'block' && first.label === null && first.children.length > 0 && first.children[first.children.length - 1]!.type === first.type) return first;
    current = first;
  }
  return undefined;
}

function replaceLeading(node: IrNode, target: IrNode, replacement: IrNode): IrNode {
  const first = childrenOf(node)[0]!;
  let done = false;
  return mapChildren(node, (child) => {
    if (done || child !== first) return child;
    done = true;
    return child === target ? replacement : replaceLeading(child, target, replacement);
  });
}

/** Equal, up to renaming locals and labels, in the form binaryen's writer and reader leave alone. */
export function sameInWriterNormalForm(a: IrFunction, b: IrFunction): boolean {
  const x = writerNormalForm(a);
  const y = x && writerNormalForm(b);
  return Boolean(x && y && (functionHash(x) === functionHash(y) || alphaEquivalent(x, y)));
}

/** True when `b` is `a` with calls to removed duplicates renamed to their twins, and nothing else changed. */
function renamedOnly(a: IrFunction, b: IrFunction, duplicates: ReadonlyMap<string, string>): boolean {
  const rename = (kind: string, name: string) => (kind === 'call' ? (duplicates.get(name) ?? name) : name);
  return canonicalFunction(a, rename) === canonicalFunction(b);
}

/**
 * Removed functions that had a twin in `pre` which `post` keeps: defined functions whose pre bodies are
 * identical or equal up to renaming locals and labels (what duplicate-function-elimination merges), and
 * imports of the same module, name and signature (duplicate-import-elimination). References to the removed
 * one may be redirected to its twin, which behaves the same in every state.
 */
export function duplicateRenames(step: Pick<PassStep, 'pre' | 'post' | 'removed'>): Map<string, string> {
  const renames = new Map<string, string>();
  if (step.removed.length === 0) return renames;
  const kept = step.post.functions.filter((f) => step.pre.functions.some((g) => g.name === f.name));
  const pre = byName(step.pre.functions);
  const keptPre = kept.map((f) => pre.get(f.name)!);
  const hashes = new Map<string, IrFunction[]>();
  for (const fn of keptPre) {
    if (fn.imported) continue;
    const key = functionHash(fn);
    hashes.set(key, [...(hashes.get(key) ?? []), fn]);
  }
  for (const name of step.removed) {
    const removed = pre.get(name)!;
    let twin: IrFunction | undefined;
    if (removed.imported) {
      twin = keptPre.find((f) => f.imported && f.imported.module === removed.imported!.module && f.imported.base === removed.imported!.base && signatureOf(f) === signatureOf(removed));
    } else {
      twin = hashes.get(functionHash(removed))?.[0] ??
        keptPre.find((f) => !f.imported && f.size === removed.size && signatureOf(f) === signatureOf(removed) && alphaEquivalent(removed, f));
    }
    if (twin) renames.set(name, twin.name);
  }
  return renames;
}

/** A context whose calls to the callees a pass inlined are inlined by the encoder too, whatever their size. */
class StepContext extends ModuleContext {
  /** Filled once the context exists (deciding what may be inlined asks the context about recursion). */
  readonly inlined = new Set<string>();

  override policy(name: string): CallPolicy {
    return this.inlined.has(name) ? 'inline' : super.policy(name);
  }
}

/**
 * The contexts both sides of a step are read in (see the file comment): `pre`, with globals no function of
 * either side writes read as their initializers, and callees whose calls the pass removed (inlined) encoded
 * inline when they have no loop and are not recursive. The candidate side adds what the pass created.
 */
export function stepContexts(step: Pick<PassStep, 'pre' | 'post' | 'changed' | 'added'>): { base: ModuleContext; candidate: ModuleContext; constant: Set<string> } {
  const globals = constantGlobals(step.pre, step.post);
  const module: IrModule = { ...step.pre, globals: step.pre.globals.map((g) => (globals.has(g.name) ? { ...g, mutable: false } : g)) };
  const base = new StepContext(module);
  for (const name of fewerCalls(step)) {
    const callee = base.functions.get(name);
    if (callee?.body && !hasLoop(callee.body) && !base.isRecursive(name)) base.inlined.add(name);
  }
  const preGlobals = new Set(step.pre.globals.map((g) => g.name));
  const addedFunctions = step.post.functions.filter((f) => step.added.includes(f.name));
  const addedGlobals = step.post.globals.filter((g) => !preGlobals.has(g.name));
  if (addedFunctions.length === 0 && addedGlobals.length === 0) return { base, candidate: base, constant: globals };
  const candidate = new StepContext({ ...module, functions: [...module.functions, ...addedFunctions], globals: [...module.globals, ...addedGlobals] });
  for (const name of base.inlined) candidate.inlined.add(name);
  return { base, candidate, constant: globals };
}

/** Callees called fewer times by the changed functions after the pass than before: inlined, or calls removed. */
function fewerCalls(step: Pick<PassStep, 'pre' | 'post' | 'changed'>): Set<string> {
  const count = (fns: IrFunction[]) => {
    const counts = new Map<string, number>();
    const changed = new Set(step.changed);
    for (const fn of fns) {
      if (!changed.has(fn.name)) continue;
      forEachNode(fn.body, (n) => {
        if (n.kind === 'call') counts.set(n.target, (counts.get(n.target) ?? 0) + 1);
      });
    }
    return counts;
  };
  const before = count(step.pre.functions);
  const after = count(step.post.functions);
  return new Set([...before].filter(([name, n]) => (after.get(name) ?? 0) < n).map(([name]) => name));
}

/**
 * Globals whose value is always their initializer: mutable in the declaration, but neither imported nor
 * exported (so the host cannot write them) and written by no function before or after the pass.
 */
export function constantGlobals(pre: IrModule, post: IrModule): Set<string> {
  const written = new Set<string>();
  for (const fn of [...pre.functions, ...post.functions]) {
    forEachNode(fn.body, (n) => {
      if (n.kind === 'global.set') written.add(n.global);
    });
  }
  const exported = new Set(pre.exports.filter((e) => e.kind === 'global').map((e) => e.value));
  return new Set(
    pre.globals.filter((g) => g.mutable && !g.imported && g.init !== undefined && !written.has(g.name) && !exported.has(g.name)).map((g) => g.name),
  );
}

/**
 * Globals no function reads before or after the pass, and the host cannot see (neither imported nor
 * exported): their values are never observed, so writes to them are left out of both sides of a step
 * (simplify-globals removes such writes). What stays of the module after the step still reads them nowhere.
 */
export function unreadGlobals(pre: IrModule, post: IrModule): Set<string> {
  const read = references([...pre.functions, ...post.functions]).globalsRead;
  const exported = new Set(pre.exports.filter((e) => e.kind === 'global').map((e) => e.value));
  return new Set(pre.globals.filter((g) => !g.imported && !exported.has(g.name) && !read.has(g.name)).map((g) => g.name));
}

function writesAny(fn: IrFunction, globals: ReadonlySet<string>): boolean {
  let found = false;
  forEachNode(fn.body, (n) => {
    if (n.kind === 'global.set' && globals.has(n.global)) found = true;
  });
  return found;
}

/** `fn` with each write to `globals` replaced by evaluating and dropping the value. */
function dropWritesTo(fn: IrFunction, globals: ReadonlySet<string>): IrFunction {
  if (!fn.body) return fn;
  const body = rewriteTree(fn.body, (n) => (n.kind === 'global.set' && globals.has(n.global) ? { kind: 'drop', type: 'none', value: n.value } : n));
  return { ...fn, body };
}

/** What the bodies of a module refer to by name. */
export interface References {
  calls: Set<string>;
  globalsRead: Set<string>;
  globalsWritten: Set<string>;
  /** Some body holds an expression the IR does not model (it might refer to a function, segment or table). */
  opaque: boolean;
  /** Some body uses linear memory. */
  memory: boolean;
  /** Some body calls through a table. */
  indirect: boolean;
  /** Some body takes a function's reference (`ref.func`, unmodelled), so a function may be called from anywhere. */
  functionRefs: boolean;
}

const MEMORY_KINDS = new Set(['load', 'store', 'memory.size', 'memory.grow', 'memory.copy', 'memory.fill', 'simd.memory']);

export function references(functions: Iterable<IrFunction>): References {
  const refs: References = { calls: new Set(), globalsRead: new Set(), globalsWritten: new Set(), opaque: false, memory: false, indirect: false, functionRefs: false };
  for (const fn of functions) {
    forEachNode(fn.body, (n) => {
      if (n.kind === 'call') refs.calls.add(n.target);
      else if (n.kind === 'global.get') refs.globalsRead.add(n.global);
      else if (n.kind === 'global.set') refs.globalsWritten.add(n.global);
      else if (n.kind === 'unsupported') {
        refs.opaque = true;
        if (n.what === 'RefFunc') refs.functionRefs = true;
      }
      else if (n.kind === 'call_indirect') refs.indirect = true;
      if (MEMORY_KINDS.has(n.kind)) refs.memory = true;
    });
  }
  return refs;
}

function byName<T extends { name: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.name, item]));
}

export { byName };
export type { IrGlobal };
