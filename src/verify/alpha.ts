import { attributesOf, childrenOf, sameSignature, type IrFunction, type IrNode } from '../wasm/ir.js';

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

/** The labels a node defines or targets, in a fixed order; they are compared up to renaming. */
function labelsOf(node: IrNode): Array<string | null> {
  switch (node.kind) {
    case 'block': case 'loop': return [node.label];
    case 'br': return [node.label];
    case 'br_table': return [node.defaultLabel, ...node.labels];
    default: return [];
  }
}

/** What a node says besides its children, locals and labels: compared exactly. */
function fixedAttributes(node: IrNode): string {
  switch (node.kind) {
    case 'block': case 'loop': return attributesOf({ ...node, label: null });
    case 'br': return attributesOf({ ...node, label: '' });
    case 'br_table': return attributesOf({ ...node, labels: node.labels.map(() => ''), defaultLabel: '' });
    case 'local.get': case 'local.set': return attributesOf({ ...node, local: 0 });
    default: return attributesOf(node);
  }
}

/**
 * Equal up to a consistent renaming of non-parameter locals and of labels: same shape, same operators and
 * constants, and one bijection between the locals and one between the labels of the two bodies.
 */
export function alphaEquivalent(a: IrFunction, b: IrFunction): boolean {
  if (!a.body || !b.body || !sameSignature(a, b)) return false;
  const locals = new Bijection<number>();
  const labels = new Bijection<string | null>();
  const typeOf = (fn: IrFunction, i: number) => (i < fn.params.length ? fn.params[i] : fn.vars[i - fn.params.length]);
  for (let i = 0; i < a.params.length; i++) locals.pair(i, i);
  const pending: Array<[IrNode, IrNode]> = [[a.body, b.body]];
  while (pending.length > 0) {
    const [x, y] = pending.pop()!;
    if (fixedAttributes(x) !== fixedAttributes(y)) return false;
    if ((x.kind === 'local.get' || x.kind === 'local.set') && (y.kind === 'local.get' || y.kind === 'local.set')) {
      if (typeOf(a, x.local) !== typeOf(b, y.local) || !locals.pair(x.local, y.local)) return false;
    }
    const xl = labelsOf(x);
    const yl = labelsOf(y);
    // An unnamed block pairs only with an unnamed one (null with null), which the bijection keeps as well.
    if (xl.length !== yl.length || xl.some((l, i) => !labels.pair(l, yl[i]!))) return false;
    const xs = childrenOf(x);
    const ys = childrenOf(y);
    if (xs.length !== ys.length) return false;
    xs.forEach((kid, i) => pending.push([kid, ys[i]!]));
  }
  return true;
}
