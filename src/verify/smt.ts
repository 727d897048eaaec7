/**
 * SMT-LIB2 text building: sorts, literals, and a script that names every intermediate term with
 * `define-fun`, so that shared subterms are written once and the text grows linearly with the IR.
 */

export const bvSort = (width: number): string => `(_ BitVec ${width})`;

export function bvLit(value: bigint, width: number): string {
  const v = BigInt.asUintN(width, value);
  if (width % 4 === 0) return `#x${v.toString(16).padStart(width / 4, '0')}`;
  return `#b${v.toString(2).padStart(width, '0')}`;
}

/** The unsigned value of a literal written by bvLit or printed by z3 (#x…, #b…, (_ bvN W)). */
export function parseBvLiteral(text: string): bigint | undefined {
  const t = text.trim();
  if (t.startsWith('#x')) return BigInt(`0x${t.slice(2)}`);
  if (t.startsWith('#b')) return BigInt(`0b${t.slice(2)}`);
  const m = /^\(_ bv(\d+) \d+\)$/.exec(t);
  return m ? BigInt(m[1]!) : undefined;
}

const ATOM = /^[A-Za-z0-9_#.!$-]+$/;

export function and(...terms: string[]): string {
  const parts = terms.filter((t) => t !== 'true');
  if (parts.includes('false')) return 'false';
  if (parts.length === 0) return 'true';
  return parts.length === 1 ? parts[0]! : `(and ${parts.join(' ')})`;
}

export function or(...terms: string[]): string {
  const parts = terms.filter((t) => t !== 'false');
  if (parts.includes('true')) return 'true';
  if (parts.length === 0) return 'false';
  return parts.length === 1 ? parts[0]! : `(or ${parts.join(' ')})`;
}

export function not(term: string): string {
  if (term === 'true') return 'false';
  if (term === 'false') return 'true';
  return `(not ${term})`;
}

export function ite(cond: string, then: string, otherwise: string): string {
  if (cond === 'true' || then === otherwise) return then;
  if (cond === 'false') return otherwise;
  return `(ite ${cond} ${then} ${otherwise})`;
}

export function distinct(a: string, b: string): string {
  return a === b ? 'false' : `(not (= ${a} ${b}))`;
}

/** Symbols made from wasm names: anything outside SMT's simple-symbol alphabet becomes its char code. */
export function symbolPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, (c) => `$${c.charCodeAt(0).toString(16)}`);
}

export class Script {
  private readonly lines: string[] = [];
  private readonly declared = new Set<string>();
  private counter = 0;

  /** Declares a constant once; both sides refer to shared inputs by the same name. */
  declare(name: string, sort: string): string {
    if (!this.declared.has(name)) {
      this.declared.add(name);
      this.lines.push(`(declare-const ${name} ${sort})`);
    }
    return name;
  }

  declareFun(name: string, args: string[], sort: string): string {
    if (!this.declared.has(name)) {
      this.declared.add(name);
      this.lines.push(`(declare-fun ${name} (${args.join(' ')}) ${sort})`);
    }
    return name;
  }

  /** A name for `expr`; atoms are returned as they are. */
  define(prefix: string, sort: string, expr: string): string {
    if (ATOM.test(expr)) return expr;
    const name = `${prefix}${this.counter++}`;
    this.lines.push(`(define-fun ${name} () ${sort} ${expr})`);
    return name;
  }

  /** A fresh constant of this side, e.g. a probe the model must report. */
  fresh(prefix: string, sort: string): string {
    return this.declare(`${prefix}${this.counter++}`, sort);
  }

  assert(expr: string): void {
    if (expr !== 'true') this.lines.push(`(assert ${expr})`);
  }

  get length(): number {
    return this.lines.reduce((n, line) => n + line.length + 1, 0);
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
