import { functionBodySizes } from '../wasm/names.js';

/** How many of the smallest bodies per function are kept: the smallest may not fit the base's context. */
const KEPT_PER_FUNCTION = 2;

/**
 * Per function, the smallest bodies any island produced at any generation, and the modules that hold them:
 * what the per-function choice (src/workers/assemble.ts) picks from. A module is kept only while it holds
 * one of the KEPT_PER_FUNCTION smallest sizes of some function, so memory stays bounded by the functions'
 * winners, not by the number of evaluations. The input holds its own bodies and is never kept here (the
 * assembly always has it).
 */
export class BodyPool {
  /** Per function: the smallest distinct sizes seen, ascending, each with the first module that had it. */
  private readonly smallest = new Map<string, Array<{ size: number; module: number }>>();
  private readonly modules = new Map<number, Uint8Array>();
  private offered = 0;
  /** Bumped whenever the kept bodies change. */
  private version = 0;
  /** What the last assembly was built from: the base and the version of the bodies. */
  private assembled: { base: unknown; version: number } | undefined;

  constructor(input: Uint8Array) {
    for (const [name, size] of functionBodySizes(input)) this.smallest.set(name, [{ size, module: -1 }]);
  }

  /** Takes a module's bodies into account (named bytes, as the search emits them). */
  offer(named: Uint8Array): void {
    const id = this.offered++;
    let holds = false;
    for (const [name, size] of functionBodySizes(named)) {
      const list = this.smallest.get(name) ?? [];
      if (list.some((entry) => entry.size === size)) continue;
      list.push({ size, module: id });
      list.sort((a, b) => a.size - b.size);
      if (list.length > KEPT_PER_FUNCTION) list.pop();
      this.smallest.set(name, list);
      holds ||= list.some((entry) => entry.module === id);
    }
    if (!holds) return;
    this.version++;
    this.modules.set(id, named);
    const holders = new Set([...this.smallest.values()].flatMap((list) => list.map((entry) => entry.module)));
    for (const kept of [...this.modules.keys()]) if (!holders.has(kept)) this.modules.delete(kept);
  }

  /**
   * Whether an assembly over `base` could differ from the last one: true unless the last assembly had the same
   * base and the kept bodies have not changed since. Records `base` as the latest.
   */
  changedSince(base: object): boolean {
    const changed = this.assembled?.base !== base || this.assembled.version !== this.version;
    this.assembled = { base, version: this.version };
    return changed;
  }

  /** The modules holding a smallest body, in the order they were offered. */
  donors(): Uint8Array[] {
    return [...this.modules.entries()].sort(([a], [b]) => a - b).map(([, named]) => named);
  }
}
