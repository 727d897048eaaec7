import { calleesOf, forEachNode, hasLoop, type IrFunction, type IrGlobal, type IrModule } from '../wasm/ir.js';

/** How a call to an internal function is encoded. */
export type CallPolicy = 'inline' | 'pure' | 'opaque';

export const INLINE_SIZE_LIMIT = 300;
/**
 * Largest call inlined, counting the callees it inlines in turn (`inlinedSize`). Whether a callee runs inline
 * is a property of the callee alone, never of how deep the call sits: an optimizer that inlined some levels
 * on one side leaves the same callee at another depth there, and a depth limit would run it inline on one
 * side and leave it a call on the other (rabin's fn10: fn1 opaque four calls down before inlining, inlined
 * three calls down after).
 */
export const INLINE_CLOSURE_LIMIT = 1500;
/** How deep callees with loops run inline on both sides (expand-calls.ts), which no size bounds in turn. */
export const EXPANSION_DEPTH_LIMIT = 4;

const TRAPPING_OPS = /^(DivS|DivU|RemS|RemU)Int|^TruncS|^TruncU/;

/** No memory, global, table or call effects and no traps: a plain function of its arguments. */
function isPure(fn: IrFunction, globals: Map<string, IrGlobal>): boolean {
  if (!fn.body) return false;
  let pure = true;
  forEachNode(fn.body, (n) => {
    switch (n.kind) {
      case 'load': case 'store': case 'global.set': case 'call': case 'call_indirect': case 'memory.size':
      case 'memory.grow': case 'memory.copy': case 'memory.fill': case 'simd.memory': case 'unreachable': case 'unsupported': case 'loop':
        pure = false;
        break;
      case 'global.get':
        if (globals.get(n.global)?.mutable !== false || globals.get(n.global)?.init === undefined) pure = false;
        break;
      case 'unary': case 'binary': case 'simd':
        // Relaxed SIMD may answer differently from one run to the next: no function of the arguments.
        if (TRAPPING_OPS.test(n.op) || n.op.startsWith('Relaxed')) pure = false;
        break;
      default:
        break;
    }
  });
  return pure;
}

/** One side's module as the encoder sees it: functions by name, globals, memory and call policies. */
export class ModuleContext {
  readonly functions = new Map<string, IrFunction>();
  readonly globals = new Map<string, IrGlobal>();
  private readonly recursive = new Set<string>();
  private readonly policies = new Map<string, CallPolicy>();
  private readonly inlinedSizes = new Map<string, number>();
  private readonly sizeKeepers = new Map<string, boolean>();

  /** `sizeKeepers`: functions known to keep the memory's size without their bodies (a proof's evidence). */
  constructor(readonly module: IrModule, sizeKeepers: readonly string[] = []) {
    for (const fn of module.functions) this.functions.set(fn.name, fn);
    for (const name of sizeKeepers) this.sizeKeepers.set(name, true);
    for (const g of module.globals) this.globals.set(g.name, g);
    this.findRecursion();
  }

  /** Functions that can reach themselves through direct calls (Tarjan's SCCs, iteratively). */
  private findRecursion(): void {
    const edges = new Map<string, string[]>();
    for (const fn of this.module.functions) edges.set(fn.name, calleesOf(fn.body).filter((c) => this.functions.has(c)));
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    let counter = 0;
    for (const root of edges.keys()) {
      if (index.has(root)) continue;
      const work: Array<[string, number]> = [[root, 0]];
      index.set(root, counter);
      low.set(root, counter++);
      stack.push(root);
      onStack.add(root);
      while (work.length > 0) {
        const top = work[work.length - 1]!;
        const [node, i] = top;
        const next = edges.get(node)!;
        if (i < next.length) {
          top[1]++;
          const child = next[i]!;
          if (!index.has(child)) {
            index.set(child, counter);
            low.set(child, counter++);
            stack.push(child);
            onStack.add(child);
            work.push([child, 0]);
          } else if (onStack.has(child)) {
            low.set(node, Math.min(low.get(node)!, index.get(child)!));
          }
          continue;
        }
        work.pop();
        if (work.length > 0) {
          const parent = work[work.length - 1]![0];
          low.set(parent, Math.min(low.get(parent)!, low.get(node)!));
        }
        if (low.get(node) === index.get(node)) {
          const component: string[] = [];
          let member: string;
          do {
            member = stack.pop()!;
            onStack.delete(member);
            component.push(member);
          } while (member !== node);
          const selfLoop = edges.get(node)!.includes(node);
          if (component.length > 1 || selfLoop) for (const m of component) this.recursive.add(m);
        }
      }
    }
  }

  /** `name` is defined and has no effects and no traps (what the 'pure' policy needs, besides not running inline). */
  isPure(name: string): boolean {
    const fn = this.functions.get(name);
    return fn !== undefined && isPure(fn, this.globals);
  }

  isRecursive(name: string): boolean {
    return this.recursive.has(name);
  }

  policy(name: string): CallPolicy {
    const cached = this.policies.get(name);
    if (cached) return cached;
    const fn = this.functions.get(name);
    let policy: CallPolicy = 'opaque';
    if (fn?.body) {
      // A recursive callee is inlined only where the encoder allows (see calls.ts): one level, never itself.
      if (fn.size <= INLINE_SIZE_LIMIT && !hasLoop(fn.body) && this.inlinedSize(name) <= INLINE_CLOSURE_LIMIT) policy = 'inline';
      else if (!this.recursive.has(name) && isPure(fn, this.globals)) policy = 'pure';
    }
    this.policies.set(name, policy);
    return policy;
  }

  /**
   * Whether a call to `name` leaves the memory's size as it was: every function it can run is defined here
   * (an import may grow an exported memory, or call back into one that does; a `call_indirect` may reach
   * either) and none of them grows the memory. A size the call keeps is a size both sides of a step share
   * across it, so bounds checks on either side of the call compare (code-folding moves a store that ends two
   * arms, each after a call, past their join).
   */
  keepsMemorySize(name: string): boolean {
    const known = this.sizeKeepers.get(name);
    if (known !== undefined) return known;
    const reached = new Set<string>([name]);
    const work = [name];
    let keeps = true;
    while (keeps && work.length > 0) {
      const next = work.pop()!;
      if (next !== name && this.sizeKeepers.get(next) === true) continue;
      const body = this.functions.get(next)?.body;
      if (!body) {
        keeps = false;
        break;
      }
      forEachNode(body, (n) => {
        if (n.kind === 'memory.grow' || n.kind === 'call_indirect' || n.kind === 'unsupported') keeps = false;
        else if (n.kind === 'call' && !reached.has(n.target)) {
          reached.add(n.target);
          work.push(n.target);
        }
      });
    }
    this.sizeKeepers.set(name, keeps);
    return keeps;
  }

  /**
   * Expressions a call to `name` runs inline: its own, and per call site those of a non-recursive callee that
   * runs inline in turn (recursive ones stay calls below the function checked; see calls.ts).
   */
  inlinedSize(name: string): number {
    const known = this.inlinedSizes.get(name);
    if (known !== undefined) return known;
    const fn = this.functions.get(name);
    let size = fn?.size ?? 0;
    forEachNode(fn?.body ?? null, (n) => {
      if (n.kind === 'call' && !this.recursive.has(n.target) && this.policy(n.target) === 'inline') size += this.inlinedSize(n.target);
    });
    this.inlinedSizes.set(name, size);
    return size;
  }
}
