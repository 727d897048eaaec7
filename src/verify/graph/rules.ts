import { parsePattern, type Pattern } from './patterns.js';
import type { Op } from './terms.js';

/**
 * The normalisation rules of the value graph, as data. Each is an equality of total functions (semantics.ts)
 * that holds for every value of its variables at every width (or at the widths written in it), under `pre`
 * when one is given; test/unit/verify/graph-rules.test.ts proves every entry with z3, as Alive does for
 * LLVM's peepholes. Two kinds:
 *
 *  - RULES are applied by matching: when a term being built has the shape of `lhs`, `rhs` is built instead.
 *    They are tried in order, after the normal forms below.
 *  - LAWS are what the builder's normal forms (build.ts) apply by code — flattening and sorting associative
 *    and commutative operators, collecting coefficients, constant folding, store forwarding — stated as
 *    instances, so that what the code relies on is proved as well.
 */
export interface Rule {
  name: string;
  lhs: string;
  rhs: string;
  /**
   * A Bool pattern over the constants of `lhs`, and the known bits of its terms (`(zeros x)`, `(ones x)`),
   * that must fold to true for the rule to apply.
   */
  pre?: string;
  /**
   * For the proof only: z3 decides the rule at once for each value of this constant but not for a symbolic
   * one at 64 bits (division), so the test proves it case by case over every value `pre` admits.
   */
  byCases?: { constant: string; values: 'powers-of-two' };
}

export const RULES: readonly Rule[] = [
  // Shifts and rotations by constants: counts are taken modulo the width.
  { name: 'shl-by-constant', lhs: '(shl x C)', rhs: '(mul x (shl 1 C))' },
  { name: 'lshr-by-zero', lhs: '(lshr x C)', rhs: 'x', pre: '(eq (and C #w-1) 0)' },
  { name: 'ashr-by-zero', lhs: '(ashr x C)', rhs: 'x', pre: '(eq (and C #w-1) 0)' },
  { name: 'lshr-count-modulo', lhs: '(lshr x C)', rhs: '(lshr x (and C #w-1))', pre: '(not (eq (and C #w-1) C))' },
  { name: 'ashr-count-modulo', lhs: '(ashr x C)', rhs: '(ashr x (and C #w-1))', pre: '(not (eq (and C #w-1) C))' },
  { name: 'rotl-by-constant', lhs: '(rotl x C)', rhs: '(or (shl x C) (lshr x (add #w (mul C -1))))' },
  { name: 'rotr-by-constant', lhs: '(rotr x C)', rhs: '(or (lshr x C) (shl x (add #w (mul C -1))))' },
  { name: 'not-of-one-shifted', lhs: '(xor (shl 1 x) -1)', rhs: '(rotl -2 x)' },
  { name: 'lshr-of-shl', lhs: '(lshr (mul x C1) C2)', rhs: '(and x (lshr -1 C2))', pre: '(eq C1 (shl 1 C2))' },
  // Division and remainder by constants (the trap is the encoder's separate condition).
  {
    name: 'divu-by-power-of-two', lhs: '(divu x C)', rhs: '(lshr x (ctz C))', pre: '(band (not (eq C 0)) (eq (and C (add C -1)) 0))',
    byCases: { constant: 'C', values: 'powers-of-two' },
  },
  {
    name: 'remu-by-power-of-two', lhs: '(remu x C)', rhs: '(and x (add C -1))', pre: '(band (not (eq C 0)) (eq (and C (add C -1)) 0))',
    byCases: { constant: 'C', values: 'powers-of-two' },
  },
  { name: 'divs-by-one', lhs: '(divs x 1)', rhs: 'x' },
  { name: 'rems-by-one', lhs: '(rems x 1)', rhs: '0' },
  { name: 'rems-by-minus-one', lhs: '(rems x -1)', rhs: '0' },
  // Booleans as i32 0/1 and back.
  { name: 'eq-b2bv-zero', lhs: '(eq (b2bv p) 0)', rhs: '(not p)' },
  { name: 'eq-b2bv-one', lhs: '(eq (b2bv p) 1)', rhs: 'p' },
  { name: 'eq-b2bv-b2bv', lhs: '(eq (b2bv p) (b2bv q))', rhs: '(eq p q)' },
  { name: 'and-b2bv-one', lhs: '(and (b2bv p) 1)', rhs: '(b2bv p)' },
  { name: 'and-b2bv-b2bv', lhs: '(and (b2bv p) (b2bv q))', rhs: '(b2bv (band p q))' },
  { name: 'or-b2bv-b2bv', lhs: '(or (b2bv p) (b2bv q))', rhs: '(b2bv (bor p q))' },
  { name: 'xor-b2bv-one', lhs: '(xor (b2bv p) 1)', rhs: '(b2bv (not p))' },
  { name: 'xor-b2bv-b2bv', lhs: '(xor (b2bv p) (b2bv q))', rhs: '(b2bv (not (eq p q)))' },
  { name: 'ite-one-zero', lhs: '(ite p 1 0)', rhs: '(b2bv p)' },
  { name: 'ite-zero-one', lhs: '(ite p 0 1)', rhs: '(b2bv (not p))' },
  { name: 'ite-b2bv', lhs: '(ite p (b2bv q) (b2bv r))', rhs: '(b2bv (ite p q r))' },
  // An `if` with a comparison in one arm and a constant 0 or 1 in the other, as optimize-instructions leaves it.
  { name: 'ite-b2bv-zero', lhs: '(ite p (b2bv q) 0)', rhs: '(b2bv (band p q))' },
  { name: 'ite-zero-b2bv', lhs: '(ite p 0 (b2bv q))', rhs: '(b2bv (band (not p) q))' },
  { name: 'ite-b2bv-one', lhs: '(ite p (b2bv q) 1)', rhs: '(b2bv (bor (not p) q))' },
  { name: 'ite-one-b2bv', lhs: '(ite p 1 (b2bv q))', rhs: '(b2bv (bor p q))' },
  { name: 'eq-ite-constant-then', lhs: '(eq (ite p C1 y) C2)', rhs: '(ite p (eq C1 C2) (eq y C2))' },
  { name: 'eq-ite-constant-else', lhs: '(eq (ite p x C1) C2)', rhs: '(ite p (eq x C2) (eq C1 C2))' },
  // Equalities with constants.
  { name: 'eq-xor-constant', lhs: '(eq (xor x C1) C2)', rhs: '(eq x (xor C1 C2))' },
  { name: 'eq-xor-zero', lhs: '(eq (xor x y) 0)', rhs: '(eq x y)' },
  { name: 'eq-difference-zero', lhs: '(eq (add x (mul y -1)) 0)', rhs: '(eq x y)' },
  { name: 'eq-difference-zero-swapped', lhs: '(eq (add (mul y -1) x) 0)', rhs: '(eq x y)' },
  { name: 'eq-negated', lhs: '(eq (mul x -1) C)', rhs: '(eq x (mul C -1))' },
  // Unsigned comparisons with the extremes.
  { name: 'ult-zero', lhs: '(ult x 0)', rhs: 'false' },
  { name: 'ult-from-zero', lhs: '(ult 0 x)', rhs: '(not (eq x 0))' },
  { name: 'ult-one', lhs: '(ult x 1)', rhs: '(eq x 0)' },
  { name: 'ult-from-ones', lhs: '(ult -1 x)', rhs: 'false' },
  { name: 'ult-ones', lhs: '(ult x -1)', rhs: '(not (eq x -1))' },
  // A comparison with a constant keeps the constant on the right: `1 > x` (gt_s 1 x) and `x <= 0`
  // (le_s x 0, not (0 < x)) are the same term (optimize-instructions turns one into the other).
  { name: 'ult-constant-left', lhs: '(ult C x)', rhs: '(not (ult x (add C 1)))', pre: '(not (eq C -1))' },
  { name: 'slt-constant-left', lhs: '(slt C x)', rhs: '(not (slt x (add C 1)))', pre: '(not (eq C (lshr -1 1)))' },
  // Known bits (known-bits.ts): a mask that clears only bits known to be zero (binaryen drops the `& 255` of
  // a value loaded with load8_u), one that keeps only such bits, and constants a value cannot equal.
  { name: 'and-clears-known-zeros', lhs: '(and x C)', rhs: 'x', pre: '(eq (or C (zeros x)) -1)' },
  { name: 'and-keeps-known-zeros', lhs: '(and x C)', rhs: '0', pre: '(eq (and C (zeros x)) C)' },
  { name: 'or-sets-known-ones', lhs: '(or x C)', rhs: 'x', pre: '(eq (and C (ones x)) C)' },
  {
    name: 'eq-known-bits-differ', lhs: '(eq x C)', rhs: 'false',
    pre: '(bor (not (eq (and C (zeros x)) 0)) (not (eq (and (xor C -1) (ones x)) 0)))',
  },
];

export const LAWS: readonly Rule[] = [
  // Associative and commutative operators are flattened and their operands sorted; constants are folded.
  { name: 'add-associative', lhs: '(add (add x y) z)', rhs: '(add x (add y z))' },
  { name: 'add-commutative', lhs: '(add x y)', rhs: '(add y x)' },
  { name: 'add-zero', lhs: '(add x 0)', rhs: 'x' },
  { name: 'add-coefficients', lhs: '(add (mul x C1) (mul x C2))', rhs: '(mul x (add C1 C2))' },
  { name: 'add-self', lhs: '(add x x)', rhs: '(mul x 2)' },
  { name: 'sub-as-add', lhs: '(add x (mul y -1))', rhs: '(add (mul y -1) x)' },
  { name: 'mul-associative', lhs: '(mul (mul x y) z)', rhs: '(mul x (mul y z))' },
  { name: 'mul-commutative', lhs: '(mul x y)', rhs: '(mul y x)' },
  { name: 'mul-one', lhs: '(mul x 1)', rhs: 'x' },
  { name: 'mul-zero', lhs: '(mul x 0)', rhs: '0' },
  { name: 'mul-distributes-constant', lhs: '(mul (add x C1) C2)', rhs: '(add (mul x C2) (mul C1 C2))' },
  { name: 'and-idempotent', lhs: '(and x x)', rhs: 'x' },
  { name: 'and-zero', lhs: '(and x 0)', rhs: '0' },
  { name: 'and-ones', lhs: '(and x -1)', rhs: 'x' },
  { name: 'or-idempotent', lhs: '(or x x)', rhs: 'x' },
  { name: 'or-ones', lhs: '(or x -1)', rhs: '-1' },
  { name: 'or-zero', lhs: '(or x 0)', rhs: 'x' },
  { name: 'xor-self', lhs: '(xor x x)', rhs: '0' },
  { name: 'xor-zero', lhs: '(xor x 0)', rhs: 'x' },
  { name: 'xor-associative', lhs: '(xor (xor x y) z)', rhs: '(xor x (xor y z))' },
  // Bit-field operators.
  // A one-bit test is a test of that bit, at any width the value was masked at.
  { name: 'eq-single-bit', lhs: '(eq (and x:32 8) 0)', rhs: '(eq (extract.3.3 x:32) 0)' },
  { name: 'eq-single-bit-narrowed', lhs: '(eq (and (extract.31.0 x:64) 1) 0)', rhs: '(eq (and x:64 1) 0)' },
  { name: 'extract-whole', lhs: '(extract.31.0 x:32)', rhs: 'x:32' },
  { name: 'extract-of-extract', lhs: '(extract.7.0 (extract.23.8 x:32))', rhs: '(extract.15.8 x:32)' },
  { name: 'extract-of-zext-inside', lhs: '(extract.7.0 (zext.64 x:32))', rhs: '(extract.7.0 x:32)' },
  { name: 'extract-of-zext-outside', lhs: '(extract.63.32 (zext.64 x:32))', rhs: '0' },
  { name: 'extract-of-sext-inside', lhs: '(extract.31.0 (sext.64 x:32))', rhs: 'x:32' },
  { name: 'extract-of-concat-low', lhs: '(extract.7.0 (concat x:8 y:8))', rhs: 'y:8' },
  { name: 'extract-of-concat-high', lhs: '(extract.15.8 (concat x:8 y:8))', rhs: 'x:8' },
  { name: 'extract-low-of-add', lhs: '(extract.15.0 (add x:32 y:32))', rhs: '(add (extract.15.0 x:32) (extract.15.0 y:32))' },
  { name: 'extract-low-of-mul', lhs: '(extract.15.0 (mul x:32 y:32))', rhs: '(mul (extract.15.0 x:32) (extract.15.0 y:32))' },
  { name: 'extract-low-of-and', lhs: '(extract.15.0 (and x:32 y:32))', rhs: '(and (extract.15.0 x:32) (extract.15.0 y:32))' },
  { name: 'extract-of-ite', lhs: '(extract.15.0 (ite p x:32 y:32))', rhs: '(ite p (extract.15.0 x:32) (extract.15.0 y:32))' },
  { name: 'zext-of-zext', lhs: '(zext.64 (zext.32 x:8))', rhs: '(zext.64 x:8)' },
  { name: 'sext-of-sext', lhs: '(sext.64 (sext.32 x:8))', rhs: '(sext.64 x:8)' },
  { name: 'sext-of-zext', lhs: '(sext.64 (zext.32 x:8))', rhs: '(zext.64 x:8)' },
  { name: 'concat-of-extracts', lhs: '(concat (extract.31.16 x:32) (extract.15.0 x:32))', rhs: 'x:32' },
  { name: 'sign-extension-idiom', lhs: '(ashr (mul x:32 16777216) 24)', rhs: '(sext.32 (extract.7.0 x:32))' },
  { name: 'eq-zext', lhs: '(eq (zext.32 x:8) (zext.32 y:8))', rhs: '(eq x:8 y:8)' },
  { name: 'eq-zext-constant-fits', lhs: '(eq (zext.32 x:8) 200)', rhs: '(eq x:8 200)' },
  { name: 'eq-zext-constant-too-wide', lhs: '(eq (zext.32 x:8) 300)', rhs: 'false' },
  { name: 'eq-add-constant', lhs: '(eq (add x y C1) C2)', rhs: '(eq (add x y) (add C2 (mul C1 -1)))' },
  { name: 'eq-or-zero', lhs: '(eq (or x y z) 0)', rhs: '(band (eq x 0) (eq y 0) (eq z 0))' },
  { name: 'ult-zext', lhs: '(ult (zext.32 x:8) (zext.32 y:8))', rhs: '(ult x:8 y:8)' },
  // Booleans: n-ary and/or with complements, absorption, common factors; not, ite, eq on Bool.
  { name: 'not-not', lhs: '(not (not p))', rhs: 'p' },
  { name: 'not-and', lhs: '(not (band p q))', rhs: '(bor (not p) (not q))' },
  { name: 'not-or', lhs: '(not (bor p q))', rhs: '(band (not p) (not q))' },
  { name: 'band-complement', lhs: '(band p (not p))', rhs: 'false' },
  { name: 'bor-complement', lhs: '(bor p (not p))', rhs: 'true' },
  { name: 'bor-absorption', lhs: '(bor p (band p q))', rhs: 'p' },
  { name: 'band-absorption', lhs: '(band p (bor p q))', rhs: 'p' },
  { name: 'bor-common-factor', lhs: '(bor (band p q) (band p r))', rhs: '(band p (bor q r))' },
  { name: 'bor-consensus', lhs: '(bor (band p q) (band p (not q)))', rhs: 'p' },
  { name: 'bor-factor-pair', lhs: '(bor (band p q) (band p r) p1)', rhs: '(bor (band p (bor q r)) p1)' },
  { name: 'bor-redundant-negation', lhs: '(bor p (band (not p) q))', rhs: '(bor p q)' },
  { name: 'band-redundant-negation', lhs: '(band p (bor (not p) q))', rhs: '(band p q)' },
  { name: 'bor-redundant-negation-shared', lhs: '(bor (band p1 p) (band p1 p2 (not p) q))', rhs: '(bor (band p1 p) (band p1 p2 q))' },
  { name: 'band-redundant-negation-shared', lhs: '(band (bor p1 p) (bor p1 p2 (not p) q))', rhs: '(band (bor p1 p) (bor p1 p2 q))' },
  { name: 'eq-bool-true', lhs: '(eq p true)', rhs: 'p' },
  { name: 'eq-bool-false', lhs: '(eq p false)', rhs: '(not p)' },
  { name: 'eq-bool-negation', lhs: '(eq p (not q))', rhs: '(not (eq p q))' },
  { name: 'eq-self', lhs: '(eq x x)', rhs: 'true' },
  { name: 'ult-self', lhs: '(ult x x)', rhs: 'false' },
  { name: 'slt-self', lhs: '(slt x x)', rhs: 'false' },
  { name: 'ite-same', lhs: '(ite p x x)', rhs: 'x' },
  { name: 'ite-not', lhs: '(ite (not p) x y)', rhs: '(ite p y x)' },
  { name: 'ite-nested-then', lhs: '(ite p (ite p x y) z)', rhs: '(ite p x z)' },
  { name: 'ite-nested-else', lhs: '(ite p x (ite p y z))', rhs: '(ite p x z)' },
  { name: 'ite-bool', lhs: '(ite p q r)', rhs: '(bor (band p q) (band (not p) r))' },
  { name: 'ite-shared-then', lhs: '(ite p x (ite q x y))', rhs: '(ite (bor p q) x y)' },
  { name: 'ite-shared-else', lhs: '(ite p (ite q x y) y)', rhs: '(ite (band p q) x y)' },
  { name: 'ite-shared-then-crossed', lhs: '(ite p x (ite q y x))', rhs: '(ite (band (not p) q) y x)' },
  { name: 'ite-shared-else-crossed', lhs: '(ite p (ite q x y) x)', rhs: '(ite (band p (not q)) y x)' },
  { name: 'ite-of-sums', lhs: '(ite p (add x y) (add z y))', rhs: '(add (ite p x z) y)' },
  { name: 'ite-of-stores', lhs: '(ite p (store.4 m a:32 v:32) (store.4 n a:32 w:32))', rhs: '(store.4 (ite p m n) a:32 (ite p v:32 w:32))' },
  { name: 'ite-negated-condition', lhs: '(ite (bor p q) x y)', rhs: '(ite (band (not p) (not q)) y x)' },
  // Equalities of one value with constants (Builder.caseEqualities), and a br_table's default as the failed
  // tests of each index (encode/side.ts), here for three labels.
  { name: 'case-equality-decides', lhs: '(band (eq x C) (not (eq x D)))', rhs: '(eq x C)', pre: '(not (eq C D))' },
  { name: 'case-equalities-exclusive', lhs: '(band (eq x C) (eq x D))', rhs: 'false', pre: '(not (eq C D))' },
  { name: 'br-table-default', lhs: '(band (not (eq x 0)) (not (eq x 1)) (not (eq x 2)))', rhs: '(not (ult x 3))' },
  // Bounds checks of accesses through one pointer (B + c cannot wrap: B is a zero-extended 32-bit value).
  { name: 'bounds-exclusive', lhs: '(band (ult l:64 (add (zext.64 x:32) 8)) (not (ult l:64 (add (zext.64 x:32) 12))))', rhs: 'false' },
  { name: 'bounds-strongest-trap', lhs: '(band (ult l:64 (add (zext.64 x:32) 8)) (ult l:64 (add (zext.64 x:32) 12)))', rhs: '(ult l:64 (add (zext.64 x:32) 8))' },
  { name: 'bounds-strongest-within', lhs: '(band (not (ult l:64 (add (zext.64 x:32) 8))) (not (ult l:64 (add (zext.64 x:32) 12))))', rhs: '(not (ult l:64 (add (zext.64 x:32) 12)))' },
  { name: 'bounds-weakest-trap', lhs: '(bor (ult l:64 (add (zext.64 x:32) 8)) (ult l:64 (add (zext.64 x:32) 12)))', rhs: '(ult l:64 (add (zext.64 x:32) 12))' },
  { name: 'bounds-weakest-within', lhs: '(bor (not (ult l:64 (add (zext.64 x:32) 8))) (not (ult l:64 (add (zext.64 x:32) 12))))', rhs: '(not (ult l:64 (add (zext.64 x:32) 8)))' },
  { name: 'bounds-absorbed-disjunct', lhs: '(bor (band p (ult l:64 (add (zext.64 x:32) 8))) (band p (ult l:64 (add (zext.64 x:32) 12))))', rhs: '(band p (ult l:64 (add (zext.64 x:32) 12)))' },
  { name: 'bounds-absorbed-conjunct', lhs: '(band (bor p (ult l:64 (add (zext.64 x:32) 8))) (bor p (ult l:64 (add (zext.64 x:32) 12))))', rhs: '(bor p (ult l:64 (add (zext.64 x:32) 8)))' },
  { name: 'bounds-exhaustive', lhs: '(bor (ult l:64 (add (zext.64 x:32) 12)) (not (ult l:64 (add (zext.64 x:32) 8))))', rhs: 'true' },
  // Memory: accesses of whole little-endian values at addresses that wrap at the address width.
  { name: 'load-of-store-same', lhs: '(load.4 (store.4 m a:32 v:32) a:32)', rhs: 'v:32' },
  { name: 'load-of-store-disjoint', lhs: '(load.4 (store.4 m (add a:32 4) v:32) a:32)', rhs: '(load.4 m a:32)' },
  { name: 'load-of-store-disjoint-wrapping', lhs: '(load.4 (store.4 m (add a:32 4294967292) v:32) a:32)', rhs: '(load.4 m a:32)' },
  { name: 'load-inside-store', lhs: '(load.1 (store.4 m a:32 v:32) (add a:32 2))', rhs: '(extract.23.16 v:32)' },
  { name: 'store-overwritten', lhs: '(store.4 (store.4 m a:32 v:32) a:32 w:32)', rhs: '(store.4 m a:32 w:32)' },
  { name: 'store-reordered', lhs: '(store.2 (store.4 m (add a:32 8) v:32) a:32 w:16)', rhs: '(store.4 (store.2 m a:32 w:16) (add a:32 8) v:32)' },
  { name: 'store-of-load', lhs: '(store.4 m a:32 (load.4 m a:32))', rhs: 'm' },
];

export interface CompiledRule {
  name: string;
  byCases?: Rule['byCases'];
  lhs: Pattern & { kind: 'op' };
  rhs: Pattern;
  pre?: Pattern;
}

function compile(rule: Rule): CompiledRule {
  const lhs = parsePattern(rule.lhs);
  if (lhs.kind !== 'op') throw new Error(`rule ${rule.name}: the left side must be an operator`);
  return {
    name: rule.name, lhs, rhs: parsePattern(rule.rhs),
    ...(rule.pre ? { pre: parsePattern(rule.pre) } : {}), ...(rule.byCases ? { byCases: rule.byCases } : {}),
  };
}

/** RULES by the operator at the root of their left side, in order. */
export const RULES_BY_OP: ReadonlyMap<Op, readonly CompiledRule[]> = (() => {
  const byOp = new Map<Op, CompiledRule[]>();
  for (const rule of RULES) {
    const compiled = compile(rule);
    byOp.set(compiled.lhs.op, [...(byOp.get(compiled.lhs.op) ?? []), compiled]);
  }
  return byOp;
})();

export { compile as compileRule };
