import { evaluateTerm, truncateConstant, type Concrete } from './semantics.js';
import type { LoopData, Term } from './terms.js';

/**
 * A concrete interpreter of graph terms: the value a term has for given inputs, loops run for real (never
 * more than `maxIterations` times). It checks the graph against V8 (the fidelity test and bench run a
 * function's graph and the function itself on the same inputs), and it needs nothing but the graph.
 * Uninterpreted functions and unknown values have no value: evaluating them throws `NotEvaluable`.
 */

export class NotEvaluable extends Error {}

/**
 * Linear memory as the bytes that differ from zero-filled memory (or from what the inputs say): layers of
 * writes over a base. A new layer absorbs the ones below it while it is at least as large as the next (the
 * layers' sizes behave like a binary counter), so a store costs what it writes plus O(log n) amortized copies,
 * and a read walks O(log n) layers. Flattening every 16 layers instead copied the whole memory each time: a
 * loop of a few thousand stores spent 72 % of the fidelity bench in it. Values are never changed in place
 * (a memory before a store stays what it was).
 */
export class MemoryValue {
  private constructor(private readonly writes: ReadonlyMap<bigint, number>, private readonly below: MemoryValue | null, readonly addrWidth: number) {}

  static of(bytes: ReadonlyMap<bigint, number>, addrWidth: number): MemoryValue {
    return new MemoryValue(bytes, null, addrWidth);
  }

  read(addr: bigint): number {
    const a = BigInt.asUintN(this.addrWidth, addr);
    for (let m: MemoryValue | null = this; m; m = m.below) {
      const byte = m.writes.get(a);
      if (byte !== undefined) return byte;
    }
    return 0;
  }

  write(writes: Iterable<[bigint, number]>): MemoryValue {
    let bytes = new Map<bigint, number>();
    for (const [addr, byte] of writes) bytes.set(BigInt.asUintN(this.addrWidth, addr), byte);
    let below: MemoryValue | null = this;
    while (below && bytes.size >= below.writes.size) {
      const merged = new Map(below.writes);
      for (const [a, b] of bytes) merged.set(a, b);
      bytes = merged;
      below = below.below;
    }
    return new MemoryValue(bytes, below, this.addrWidth);
  }
}

export type Value = Concrete | MemoryValue;

export interface EvaluationInputs {
  /** The value of each input variable, by name. */
  variable(name: string, sort: Term['sort']): Value;
  maxIterations?: number;
  /** Terms evaluated in all (loops evaluate their body's terms again each iteration); default 2 000 000. */
  maxSteps?: number;
}

/** Bulk operations longer than this are not evaluated byte by byte. */
const BULK_LIMIT = 1 << 20;

interface LoopRun {
  exit: number;
  /** The parameter values at the header of the iteration that left. */
  last: Map<Term, Value>;
}

export class Evaluator {
  private readonly memo = new Map<Term, Value>();
  private readonly runs = new Map<Term, LoopRun>();
  private readonly steps: { n: number };

  constructor(private readonly inputs: EvaluationInputs, private readonly params: ReadonlyMap<Term, Value> = new Map(), private readonly parent?: Evaluator) {
    this.steps = parent?.steps ?? { n: 0 };
  }

  value(root: Term): Value {
    // Post-order without recursion: bodies nest deeper than the stack allows.
    const stack: Array<[Term, boolean]> = [[root, false]];
    while (stack.length > 0) {
      const [t, ready] = stack.pop()!;
      if (this.memo.has(t)) continue;
      if (!ready && t.op !== 'exit' && t.op !== 'exited') {
        stack.push([t, true]);
        for (const a of t.args) if (!this.memo.has(a)) stack.push([a, false]);
        continue;
      }
      this.memo.set(t, this.compute(t));
    }
    return this.memo.get(root)!;
  }

  private compute(t: Term): Value {
    if (++this.steps.n > (this.inputs.maxSteps ?? 2_000_000)) throw new NotEvaluable('too long a run');
    const arg = (i: number) => this.memo.get(t.args[i]!)!;
    switch (t.op) {
      case 'const': case 'bool': return t.data as Concrete;
      case 'var': return this.inputs.variable(t.data as string, t.sort);
      case 'lparam': {
        const bound = this.lookup(t);
        if (bound === undefined) throw new Error('a loop parameter outside its loop');
        return bound;
      }
      case 'load': {
        const mem = arg(0) as MemoryValue;
        const addr = arg(1) as bigint;
        let v = 0n;
        for (let k = t.width / 8 - 1; k >= 0; k--) v = (v << 8n) | BigInt(mem.read(addr + BigInt(k)));
        return v;
      }
      case 'store': {
        const value = arg(2) as bigint;
        const addr = arg(1) as bigint;
        return (arg(0) as MemoryValue).write(Array.from({ length: t.args[2]!.width / 8 }, (_, k) => [addr + BigInt(k), Number((value >> BigInt(8 * k)) & 0xffn)]));
      }
      case 'fill': case 'copy': {
        const mem = arg(0) as MemoryValue;
        const to = arg(1) as bigint;
        const length = (t.op === 'fill' ? arg(2) : arg(3)) as bigint;
        if (length > BigInt(BULK_LIMIT)) throw new NotEvaluable(`a ${t.op} of ${length} bytes`);
        const from = t.op === 'copy' ? (arg(2) as bigint) : 0n;
        const byte = t.op === 'fill' ? Number(arg(3) as bigint) : 0;
        const writes: Array<[bigint, number]> = [];
        for (let k = 0n; k < length; k++) writes.push([to + k, t.op === 'fill' ? byte : mem.read(from + k)]);
        return mem.write(writes);
      }
      case 'trunc': case 'truncTrap': {
        const folded = truncateConstant(t.data as string, arg(0) as bigint);
        return t.op === 'trunc' ? folded.value : folded.traps;
      }
      case 'ite': return arg(0) ? arg(1) : arg(2);
      case 'eq': {
        const [x, y] = [arg(0), arg(1)];
        if (x instanceof MemoryValue || y instanceof MemoryValue) throw new NotEvaluable('an equality of memories');
        return x === y;
      }
      case 'exited': return this.run(t.args[0]!).exit === (t.data as number);
      case 'exit': {
        const run = this.run(t.args[0]!);
        return new Evaluator(this.inputs, run.last, this).value(t.args[1]!);
      }
      case 'loop': return false;
      case 'uf': throw new NotEvaluable(`uninterpreted ${t.data}`);
      case 'unknown': throw new NotEvaluable('an unknown value');
      default: {
        const value = evaluateTerm(t, t.args.map((_, i) => arg(i) as Concrete));
        if (value === undefined) throw new Error(`no concrete meaning for ${t.op}`);
        return value;
      }
    }
  }

  private lookup(param: Term): Value | undefined {
    return this.params.get(param) ?? this.parent?.lookup(param);
  }

  /** Runs a loop from its entry values until an iteration leaves it. */
  private run(loop: Term): LoopRun {
    const known = this.runs.get(loop) ?? this.parent?.runs.get(loop);
    if (known) return known;
    const data = loop.data as LoopData;
    let values = new Map(data.params.map((p, i) => [p, this.value(loop.args[i]!)] as const));
    const limit = this.inputs.maxIterations ?? 100_000;
    for (let n = 0; n < limit; n++) {
      const here = new Evaluator(this.inputs, values, this);
      const exit = data.exits.findIndex((guard) => here.value(guard) === true);
      if (exit >= 0) {
        const run = { exit, last: values };
        this.runs.set(loop, run);
        return run;
      }
      if (here.value(data.again) !== true) throw new Error('an iteration that neither goes round nor leaves');
      values = new Map(data.params.map((p, i) => [p, here.value(data.next[i]!)] as const));
    }
    throw new NotEvaluable(`a loop that ran ${limit} times`);
  }
}

