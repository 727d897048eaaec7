import type { IrFunction, IrNode } from '../wasm/ir.js';

/** A bijection built while walking two trees side by side. */
class Bijection<T> {
  private readonly forward = new Map<T, T>();
  private readonly backward = new Map<T, T>();

  pair(a: T, b: T): boolean {
    const f = this.forward.get(a);
    const g = this.backward.get(b);
    if (f === undefined && g === undefined) {
      this.forward.set(a, b);
      this.backward.set(b, a);
      return true;
    }
    return f === b && g === a;
  }
}

/**
 * Equal up to a consistent renaming of non-parameter locals and of labels: same shape, same operators and
 * constants, and one bijection between the locals and one between the labels of the two bodies.
 */
export function alphaEquivalent(a: IrFunction, b: IrFunction): boolean {
  if (!a.body || !b.body) return false;
  if (a.params.join() !== b.params.join() || a.results.join() !== b.results.join()) return false;
  const locals = new Bijection<number>();
  const labels = new Bijection<string>();
  const typeOf = (fn: IrFunction, i: number) => (i < fn.params.length ? fn.params[i] : fn.vars[i - fn.params.length]);
  for (let i = 0; i < a.params.length; i++) locals.pair(i, i);
  const same = (x: IrNode | null, y: IrNode | null): boolean => {
    if (!x || !y) return x === y;
    if (x.kind !== y.kind || x.type !== y.type || x.op !== y.op || x.value !== y.value || x.flag !== y.flag || x.aux !== y.aux) return false;
    if (x.kids.length !== y.kids.length) return false;
    switch (x.kind) {
      case 'local.get': case 'local.set':
        if (typeOf(a, x.index!) !== typeOf(b, y.index!) || !locals.pair(x.index!, y.index!)) return false;
        break;
      case 'block': case 'loop':
        if ((x.name === undefined) !== (y.name === undefined)) return false;
        if (x.name !== undefined && !labels.pair(x.name, y.name!)) return false;
        break;
      case 'br': case 'br_table': {
        const xs = [x.name!, ...(x.names ?? [])];
        const ys = [y.name!, ...(y.names ?? [])];
        if (xs.length !== ys.length || xs.some((n, i) => !labels.pair(n, ys[i]!))) return false;
        break;
      }
      default:
        if (x.index !== y.index || x.name !== y.name || (x.names ?? []).join() !== (y.names ?? []).join()) return false;
    }
    return x.kids.every((kid, i) => same(kid, y.kids[i]!));
  };
  return same(a.body, b.body);
}
