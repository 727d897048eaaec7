import { knownBits } from './known-bits.js';
import { instantiate, match, type Bindings, type Fact, type PatternBuilder } from './patterns.js';
import { RULES_BY_OP } from './rules.js';
import { evaluateTerm, truncateConstant, type Concrete } from './semantics.js';
import {
  Graph, PartsMap, bvSort, constValue, hashParts, mask,
  type BV, type Bool, type Mem, type Op, type Sort, type Term, type TermData, type TermParts,
} from './terms.js';

/**
 * Builds terms in normal form. Every term is built through `apply`, which folds constants, puts
 * associative-commutative operators into a canonical form (flattened, operands sorted by term id — ids are
 * shared by both sides, so the order is the same on both — constants last, coefficients collected), forwards
 * loads past stores where wasm's addressing makes it exact, and then tries the pattern rules of rules.ts.
 * Each of these is an equality of total functions (rules.ts lists them; the tests prove each with z3), so a
 * term means what its raw form meant, and two sides whose terms meet are equal.
 */

/** Operators constant folding evaluates (semantics.ts). */
const FOLDABLE = new Set<Op>([
  'add', 'mul', 'and', 'or', 'xor', 'shl', 'lshr', 'ashr', 'rotl', 'rotr', 'divs', 'divu', 'rems', 'remu',
  'clz', 'ctz', 'popcnt', 'zext', 'sext', 'extract', 'concat', 'b2bv', 'not', 'band', 'bor', 'eq', 'ult', 'slt', 'ite',
]);

const AC_BV = new Set<Op>(['add', 'mul', 'and', 'or', 'xor']);

/** Members of a disjunction with more conjuncts than this are not paired by factorPair (its keys grow with them). */
const MAX_FACTORED_CONJUNCTS = 16;

/**
 * The largest sum a constant factor is distributed over. Passes rewrite small sums (`(x + 4) << 2` into
 * `(x << 2) + 16`, an address and its offset); a rotation or shift of a long sum is left as it is by both
 * sides, and distributing it is what made hash rounds slow: in hash-wasm sha256's unrolled compression every
 * rotation of a long sum became one product per term and a new sum (its check 230 ms, 90 ms without that).
 */
const DISTRIBUTED_SUM = 8;

/**
 * How far a load or store looks down a chain of stores to forward, drop or reorder (bounded: the chain is
 * rebuilt). An unoptimized build's frame holds dozens of slots, kept in one chain sorted by offset: at 32 a
 * load of a slot stored earlier stayed a load on one side where forward-stores read the value from a local
 * on the other (hash-wasm's sha256 at clang -O0).
 */
const STORE_DEPTH = 128;

const byId = (a: Term, b: Term) => a.id - b.id;
const isConst = (t: Term) => t.op === 'const' || t.op === 'bool';

/** An address as base + constant (the base absent for a constant address). */
interface Address { base: Term | null; offset: bigint }

/** `value == constant`, or `value != constant` when `isNot` (caseEqualities). */
interface CaseEquality { value: BV; constant: bigint; isNot: boolean }

function readEquality(t: Bool): CaseEquality | undefined {
  const isNot = t.op === 'not';
  const atom = isNot ? t.args[0]! : t;
  if (atom.op !== 'eq' || atom.args[0]!.sort === 'bool') return undefined;
  const constant = constValue(atom.args[1]!);
  return constant === undefined || constValue(atom.args[0]!) !== undefined ? undefined : { value: atom.args[0] as BV, constant, isNot };
}

/** A bounds check `L < B + offset`, or `B + offset <= L` (within), with limit and base as its key. */
interface BoundsCheck {
  key: string;
  within: boolean;
  offset: bigint;
  /** Key and direction: checks of one group imply one another by their offsets. */
  group: string;
  /** The group as a number, for the members' filters (simplifyDuals). */
  bit: number;
}

/** Per part, the indices of the members (given as their parts) that hold it. */
function holdersOf(parts: ReadonlyArray<ReadonlySet<Bool>>): Map<Bool, number[]> {
  const holders = new Map<Bool, number[]>();
  parts.forEach((p, i) => {
    for (const l of p) {
      const list = holders.get(l);
      if (list) list.push(i);
      else holders.set(l, [i]);
    }
  });
  return holders;
}

/** Each negated literal whose atom is held too: the literal, its atom, and the members holding each. */
function* complementsHeld(holders: ReadonlyMap<Bool, number[]>): Generator<[Bool, Bool, number[], number[]]> {
  for (const [l, negative] of holders) {
    if (l.op !== 'not') continue;
    const atom = l.args[0] as Bool;
    const positive = holders.get(atom);
    if (positive) yield [l, atom, negative, positive];
  }
}

/** Up to this many members, absorption compares every pair; past it, it goes through an index (anchors). */
const SMALL_CONNECTIVE = 24;

/** Largest (members × parts of all members) a connective's members are simplified against each other at. */
const CONNECTIVE_SIMPLIFY_CAP = 1 << 21;
/** Conjunctions a negation may expand into before covered negation gives up on it (simplifyDuals). */
const NEGATION_EXPANSION_CAP = 16;

export class Builder implements PatternBuilder {
  /** Raw term → its normal form, for terms that went through the rules. */
  private readonly normal = new Map<Term, Term>();
  /** What `apply` was asked for → the answer. */
  private readonly built = new PartsMap<TermParts & { readonly result: Term }>();
  private readonly inProgress = new Set<Term>();
  /** Parts of connectives read as bounds checks (null: not one). */
  private readonly checks = new Map<Term, BoundsCheck | null>();
  /** Parts of connectives read as equalities of a value with a constant, or their negations (null: not one). */
  private readonly equalities = new Map<Term, CaseEquality | null>();
  /** Per connective member: its parts and their filter bits (simplifyDuals). */
  private readonly memberParts = new Map<Bool, ReadonlySet<Bool>>();
  private readonly negations = new Map<Bool, ReadonlyArray<ReadonlySet<Bool>> | null>();
  private readonly memberFilters = new Map<Bool, number>();
  /** Connectives whose members simplify no further against each other (see extendSettled). */
  private readonly settled = new Set<Term>();

  readonly graph: Graph;
  readonly true: Bool;
  readonly false: Bool;

  /**
   * `normalise: false` builds every term as it is asked for (hash-consed, nothing else): the fidelity bench
   * re-proves graph proofs with z3 from such raw terms, so a wrong rule or normal form could not hide.
   */
  constructor(graph: Graph = new Graph(), private readonly normalising = true) {
    this.graph = graph;
    this.true = this.bool(true);
    this.false = this.bool(false);
  }

  constant(value: bigint, width: number): BV {
    return this.graph.intern('const', bvSort(width), [], BigInt.asUintN(width, value));
  }

  bool(value: boolean): Bool {
    return this.graph.intern('bool', 'bool', [], value);
  }

  /** What a rule's `(zeros x)` or `(ones x)` is: the bits known-bits.ts knows to be zero (one) in `x`. */
  fact(fact: Fact, of: Term): BV {
    return this.constant(knownBits(of)[fact], of.width);
  }

  /** A free input of the query (a parameter, the entry state) or an abstraction. */
  variable<S extends Sort>(name: string, sort: S): Term<S> {
    return this.graph.intern('var', sort, [], name);
  }

  /** The term `op(args)` in normal form. */
  apply(op: Op, sort: Sort, args: readonly Term[], data: TermData = null): Term {
    if (!this.normalising) return this.graph.intern(op, sort, args, data);
    // Normal forms are asked for the same arguments again and again (guards, negations): remembered.
    const hash = hashParts(op, sort, args, data);
    const known = this.built.get(hash, op, sort, args, data);
    if (known) return known.result;
    const result = this.normalise(op, sort, args, data);
    // The arguments copied: a caller may reuse its array.
    this.built.add(hash, { op, sort, args: [...args], data, result });
    return result;
  }

  private normalise(op: Op, sort: Sort, args: readonly Term[], data: TermData): Term {
    // Normal forms cost about their operands, a connective's about their pairs (see connective): work too.
    this.graph.charge(op === 'band' || op === 'bor' ? args.length * args.length : args.length);
    if (args.length > 0 && FOLDABLE.has(op) && args.every(isConst)) {
      const value = evaluateTerm({ id: -1, op, sort, width: sort.startsWith('bv') ? Number(sort.slice(2)) : 0, args, data }, args.map((a) => a.data as Concrete));
      if (value !== undefined) return typeof value === 'boolean' ? this.bool(value) : this.constant(value, Number(sort.slice(2)));
    }
    const shaped = this.normalForm(op, sort, args, data);
    if (!Array.isArray(shaped)) return shaped as Term;
    const raw = this.graph.intern(op, sort, shaped as Term[], data);
    const known = this.normal.get(raw);
    if (known) return known;
    const result = this.rewrite(raw);
    this.normal.set(raw, result);
    return result;
  }

  /** The first pattern rule that applies to `raw`, built; `raw` itself when none does. */
  private rewrite(raw: Term): Term {
    const rules = RULES_BY_OP.get(raw.op);
    if (!rules || this.inProgress.has(raw)) return raw;
    this.inProgress.add(raw);
    try {
      for (const rule of rules) {
        const bindings: Bindings = new Map();
        if (!match(rule.lhs, raw, bindings)) continue;
        if (rule.pre && instantiate(rule.pre, bindings, 'bool', this) !== this.true) continue;
        return instantiate(rule.rhs, bindings, raw.sort, this);
      }
      return raw;
    } finally {
      this.inProgress.delete(raw);
    }
  }

  /** A normal form by code (rules.ts, LAWS): a finished term, or the arguments to intern. */
  private normalForm(op: Op, sort: Sort, args: readonly Term[], data: TermData): Term | readonly Term[] {
    switch (op) {
      case 'add': return this.sum(sort, args);
      case 'mul': return this.product(sort, args);
      case 'and': case 'or': case 'xor': return this.bitwise(op, sort, args);
      case 'band': case 'bor': return this.connective(op, args as Bool[]);
      case 'not': {
        // Negation normal form: negations sit on atoms.
        const p = args[0]!;
        if (p.op === 'not') return p.args[0]!;
        if (p.op === 'band' || p.op === 'bor') return this.apply(p.op === 'band' ? 'bor' : 'band', 'bool', p.args.map((x) => this.not(x as Bool)));
        return args;
      }
      case 'eq': return this.equality(args[0]!, args[1]!);
      case 'ult': case 'slt': {
        const [a, b] = args as [BV, BV];
        if (a === b) return this.false;
        if (op === 'ult' && a.op === 'zext' && b.op === 'zext' && a.args[0]!.width === b.args[0]!.width) return this.ult(a.args[0] as BV, b.args[0] as BV);
        return args;
      }
      case 'ite': return this.choice(args[0] as Bool, args[1]!, args[2]!);
      case 'zext': case 'sext': return this.extension(op, sort, args[0] as BV);
      case 'extract': return this.extraction(args[0] as BV, data as [number, number]);
      case 'concat': return this.concatenation(args as BV[]);
      case 'load': return this.loadFrom(args[0] as Mem, args[1] as BV, sort);
      case 'store': return this.storeInto(args[0] as Mem, args[1] as BV, args[2] as BV);
      case 'trunc': case 'truncTrap': {
        const bits = constValue(args[0]!);
        if (bits === undefined) return args;
        const folded = truncateConstant(data as string, bits);
        return op === 'trunc' ? this.constant(folded.value, Number(sort.slice(2))) : this.bool(folded.traps);
      }
      default: return args;
    }
  }

  // ---- bit-vector arithmetic ----

  /** Sums: nested sums flattened, each operand as base × coefficient, coefficients of one base collected. */
  private sum(sort: Sort, args: readonly Term[]): Term | Term[] {
    const width = Number(sort.slice(2));
    const coefficients = new Map<Term, bigint>();
    let constant = 0n;
    const visit = (t: Term) => {
      if (t.op === 'add') return t.args.forEach(visit);
      const c = constValue(t);
      if (c !== undefined) return void (constant += c);
      const [base, k] = this.asMultiple(t);
      coefficients.set(base, (coefficients.get(base) ?? 0n) + k);
    };
    args.forEach(visit);
    const terms = [...coefficients].filter(([, k]) => BigInt.asUintN(width, k) !== 0n).sort(([a], [b]) => a.id - b.id)
      .map(([base, k]) => (BigInt.asUintN(width, k) === 1n ? base : this.apply('mul', sort, [base, this.constant(k, width)])));
    constant = BigInt.asUintN(width, constant);
    if (constant !== 0n || terms.length === 0) terms.push(this.constant(constant, width));
    return terms.length === 1 ? terms[0]! : terms;
  }

  /** t as base × k: a product with a constant factor splits off its constant. */
  private asMultiple(t: Term): [Term, bigint] {
    if (t.op !== 'mul') return [t, 1n];
    const k = constValue(t.args[t.args.length - 1]!);
    if (k === undefined) return [t, 1n];
    const rest = t.args.slice(0, -1);
    return [rest.length === 1 ? rest[0]! : this.apply('mul', t.sort, rest), k];
  }

  /**
   * Products: flattened, constants multiplied; a constant times a sum of at most DISTRIBUTED_SUM terms is
   * distributed over it.
   */
  private product(sort: Sort, args: readonly Term[]): Term | Term[] {
    const width = Number(sort.slice(2));
    const factors: Term[] = [];
    let constant = 1n;
    const visit = (t: Term) => {
      if (t.op === 'mul') return t.args.forEach(visit);
      const c = constValue(t);
      if (c !== undefined) constant = BigInt.asUintN(width, constant * c);
      else factors.push(t);
    };
    args.forEach(visit);
    if (constant === 0n || factors.length === 0) return this.constant(constant, width);
    factors.sort(byId);
    if (constant === 1n) return factors.length === 1 ? factors[0]! : factors;
    const k = this.constant(constant, width);
    if (factors.length === 1 && factors[0]!.op === 'add' && factors[0]!.args.length <= DISTRIBUTED_SUM) {
      return this.apply('add', sort, factors[0]!.args.map((term) => this.apply('mul', sort, [term, k])));
    }
    return [...factors, k];
  }

  /** and / or / xor: flattened, duplicates merged (xor: cancelled in pairs), identities and absorbers applied. */
  private bitwise(op: 'and' | 'or' | 'xor', sort: Sort, args: readonly Term[]): Term | Term[] {
    const width = Number(sort.slice(2));
    const ones = mask(width);
    let constant = op === 'and' ? ones : 0n;
    const counts = new Map<Term, number>();
    const visit = (t: Term) => {
      if (t.op === op) return t.args.forEach(visit);
      const c = constValue(t);
      if (c !== undefined) {
        constant = op === 'and' ? constant & c : op === 'or' ? constant | c : constant ^ c;
        return;
      }
      counts.set(t, (counts.get(t) ?? 0) + 1);
    };
    args.forEach(visit);
    if (op === 'and' && constant === 0n) return this.constant(0n, width);
    if (op === 'or' && constant === ones) return this.constant(ones, width);
    const terms = [...counts].filter(([, n]) => op !== 'xor' || n % 2 === 1).map(([t]) => t).sort(byId);
    const identity = op === 'and' ? ones : 0n;
    if (constant !== identity || terms.length === 0) terms.push(this.constant(constant, width));
    return terms.length === 1 ? terms[0]! : terms;
  }

  // ---- booleans ----

  /** n-ary and / or over Bool: flattened, sorted, complements and absorption, common factors of a disjunction. */
  private connective(op: 'band' | 'bor', args: readonly Bool[]): Term | Term[] {
    const extended = this.extendSettled(op, args);
    if (extended) return extended;
    const unit = op === 'band' ? this.true : this.false;
    const zero = op === 'band' ? this.false : this.true;
    const dual = op === 'band' ? 'bor' : 'band';
    const set = new Set<Bool>();
    let hasDual = false;
    let comparisons = 0;
    const visit = (t: Bool) => {
      if (t.op === op) return (t.args as Bool[]).forEach(visit);
      if (t === unit || set.has(t)) return;
      set.add(t);
      if (t.op === dual) hasDual = true;
      else if (t.op === 'ult' || (t.op === 'not' && t.args[0]!.op === 'ult')) comparisons++;
    };
    args.forEach(visit);
    if (set.has(zero)) return zero;
    for (const t of set) if (t.op === 'not' && set.has(t.args[0] as Bool)) return zero;
    if (hasDual) {
      const simplified = this.simplifyDuals(op, [...set]);
      if (simplified) return simplified;
    }
    if (op === 'band' && set.size > 1 && this.caseEqualities(set)) return this.false;
    if (comparisons > 1) {
      const bounded = this.bounds(op, set);
      if (bounded) return bounded;
    }
    if (op === 'bor' && set.size > 1) {
      const factored = this.factor([...set]);
      if (factored) return factored;
    }
    if (set.size === 0) return unit;
    const terms = [...set].sort(byId);
    if (terms.length === 1) return terms[0]!;
    this.settled.add(this.graph.intern(op, 'bool', terms));
    return terms;
  }

  /**
   * `X op n` where X is a connective none of whose members simplify against each other (it came out of
   * `connective` unchanged: `settled`) and n is one more member sharing no atom, and no bounds check's pointer,
   * with any part of X (negations sit on atoms, so a complement shares its atom): every rewrite of
   * `connective` needs two members that share one, so the members are X's and n. A function's guard grows this
   * way, one trap condition per memory access; without this each access simplified every condition before it
   * again.
   */
  private extendSettled(op: 'band' | 'bor', args: readonly Bool[]): Term[] | undefined {
    if (args.length !== 2) return undefined;
    const [x, n] = args[0]!.op === op ? args : [args[1]!, args[0]!];
    if (x!.op !== op || n!.op === op || n!.op === 'bool' || !this.settled.has(x!)) return undefined;
    // An equality of a value with a constant, or its negation, also shares that value with every other
    // (caseEqualities).
    const keysOf = (l: Bool): Array<Term | string> => {
      const key = this.boundsCheck(l)?.key ?? (l.op === 'not' ? l.args[0]! : l);
      const value = this.equalityOf(l)?.value;
      return value ? [key, value] : [key];
    };
    const keys = [...this.partsOf(n!)].flatMap(keysOf);
    for (const m of x!.args as Bool[]) for (const p of this.partsOf(m)) if (keysOf(p).some((k) => keys.includes(k))) return undefined;
    const members = [...x!.args];
    let at = members.length;
    while (at > 0 && members[at - 1]!.id > n!.id) at--;
    members.splice(at, 0, n!);
    this.settled.add(this.graph.intern(op, 'bool', members));
    return members;
  }

  /**
   * The parts of a connective simplified against each other. For a disjunction of conjunctions (a
   * conjunction of disjunctions is its mirror image):
   *  - redundant negation: (S ∧ p) ∨ (T ∧ ¬p) = (S ∧ p) ∨ T when S ⊆ T. A trap's guard says that no earlier
   *    trap fired; with this, traps checked in either order (a pass moved a load) give one disjunction;
   *  - absorption: X ∨ Y = Y when X implies Y part by part (each part of Y implied by a part of X: the same
   *    term, or a weaker bounds check of the same pointer).
   * Rewrites are applied one at a time to the current parts, members in id order (so the result depends on the
   * set, not on the order it was built in). Returns the connective rebuilt when something changed.
   */
  private simplifyDuals(op: 'band' | 'bor', members: Bool[]): Term | undefined {
    const dual = op === 'band' ? 'bor' : 'band';
    members.sort(byId);
    // Shared with every connective the member is in: copied before a part is deleted (owned).
    const parts = members.map((t) => this.partsOf(t));
    const owned = members.map(() => false);
    let work = 0;
    for (const p of parts) work += p.size;
    // Both rewrites compare members pairwise: past this much work (wide disjunctions of unrolled hash rounds)
    // the connective keeps its parts as they are (a less canonical form, never a wrong one).
    if (work * members.length > CONNECTIVE_SIMPLIFY_CAP) return undefined;
    // Which members hold a literal; the literals whose complement some member holds (the only ones
    // redundant negation can remove); and each member's parts as bits of a 32-bit filter (a bounds check by
    // its limit, base and direction, so that a check and a weaker one set the same bit): X can contain or
    // imply Y's parts only if Y's bits are X's.
    const holders = holdersOf(parts);
    const filters = members.map((t) => this.filterOf(t));
    const complements: Array<[number, Bool, Bool]> = [];
    for (const [l, atom, negative, positive] of complementsHeld(holders)) {
      for (const i of negative) complements.push([i, l, atom]);
      for (const j of positive) complements.push([j, atom, l]);
    }

    // In member order, each member's parts in id order (the rewrites interact; the order is the set's).
    complements.sort(([i, l], [j, m]) => i - j || l.id - m.id);
    let changed = false;
    /** Drops a part of member i; true when that empties it (S ∨ (S ∧ p) ∨ …: the connective is decided). */
    const drop = (i: number, part: Bool): boolean => {
      const kept = owned[i] ? (parts[i] as Set<Bool>) : new Set(parts[i]!);
      owned[i] = true;
      parts[i] = kept;
      kept.delete(part);
      changed = true;
      filters[i] = this.filterBits(kept);
      return kept.size === 0;
    };
    const decided = op === 'band' ? this.false : this.true;
    for (const [i, l, complement] of complements) {
      const mine = parts[i]!;
      if (!mine.has(l)) continue;
      const justified = holders.get(complement)!.some((j) => {
        if (j === i) return false;
        // (Member j never holds l: it held l's complement, and members only lose parts.)
        for (const p of parts[j]!) if (p !== complement && !mine.has(p)) return false;
        return true;
      });
      if (justified && drop(i, l)) return decided;
    }
    // Covered negation, for parts that are connectives like this one (a trap's guard that no earlier trap fired).
    for (let i = 0; i < parts.length; i++) {
      for (const c of parts[i]!) {
        if (c.op === op && this.negationCovered(c, parts, holders, i) && drop(i, c)) return decided;
      }
    }
    // Absorption: X goes when another member Y is implied by it part by part. Each Y is looked for only from
    // the members holding its rarest part (or a bounds check of that part's pointer), so a wide connective
    // costs what its members share, not the square of their number.
    const everyone = parts.map((_, i) => i);
    const candidates = parts.length <= SMALL_CONNECTIVE ? () => everyone : this.anchors(parts);
    const alive = parts.map(() => true);
    const implied = (x: number, y: number): boolean => {
      const mine = parts[x]!;
      for (const q of parts[y]!) {
        if (mine.has(q)) continue;
        let found = false;
        for (const p of mine) if (op === 'bor' ? this.implies(p, q) : this.implies(q, p)) { found = true; break; }
        if (!found) return false;
      }
      return true;
    };
    const tried = parts.map(() => -1);
    for (let x = 0; x < parts.length; x++) {
      search: for (const l of parts[x]!) {
        for (const y of candidates(l)) {
          if (tried[y] === x) continue;
          tried[y] = x;
          if (y === x || !alive[y] || (filters[y]! & ~filters[x]!) !== 0 || parts[y]!.size > parts[x]!.size || !implied(x, y)) continue;
          alive[x] = false;
          changed = true;
          break search;
        }
      }
    }
    if (!changed) return undefined;
    const rebuilt = parts.filter((_, i) => alive[i]).map((p) => (p.size === 1 ? [...p][0]! : this.apply(dual, 'bool', [...p]) as Bool));
    return this.apply(op, 'bool', rebuilt);
  }

  /**
   * For a disjunction (a conjunction is its mirror image): whether ¬c, for a part c of member i that is itself a
   * disjunction, implies the other members, so that X ∨ (c ∧ Y) = X ∨ Y. ¬c is written as a disjunction of
   * conjunctions (`negationCases`), and each of those must hold every part of some other member. A trap's
   * guard says no earlier trap fired, as the negation of their disjunction; a pass that moved a load before the
   * checks before it leaves the member with that negation against a disjunction that now has the moved check
   * among its members.
   */
  private negationCovered(c: Bool, parts: ReadonlyArray<ReadonlySet<Bool>>, holders: ReadonlyMap<Bool, number[]>, i: number): boolean {
    const cases = this.negationCases(c);
    if (!cases) return false;
    return cases.every((chosen) => {
      for (const l of chosen) {
        for (const j of holders.get(l) ?? []) {
          if (j === i || parts[j]!.size > chosen.size) continue;
          let all = true;
          for (const p of parts[j]!) if (!chosen.has(p)) { all = false; break; }
          if (all) return true;
        }
      }
      return false;
    });
  }

  /**
   * ¬c for a connective c, as cases of the opposite connective over literals: each argument negated, a dual
   * argument's negation giving one choice per member. Undefined past NEGATION_EXPANSION_CAP cases.
   */
  private negationCases(c: Bool): ReadonlyArray<ReadonlySet<Bool>> | undefined {
    const known = this.negations.get(c);
    if (known !== undefined) return known ?? undefined;
    const dual = c.op === 'band' ? 'bor' : 'band';
    let cases: Bool[][] | null = [[]];
    for (const a of c.args as Bool[]) {
      const negated = a.op === dual ? (a.args as Bool[]).map((x) => this.not(x)) : [this.not(a)];
      if (cases.length * negated.length > NEGATION_EXPANSION_CAP) {
        cases = null;
        break;
      }
      cases = cases.flatMap((chosen) => negated.map((n) => [...chosen, n]));
    }
    const sets = cases && cases.map((chosen) => new Set(chosen));
    this.negations.set(c, sets);
    return sets ?? undefined;
  }

  /** A connective's member as parts: a connective's arguments (it is the dual one), anything else itself. */
  private partsOf(member: Bool): ReadonlySet<Bool> {
    let parts = this.memberParts.get(member);
    if (!parts) this.memberParts.set(member, (parts = new Set<Bool>(member.op === 'band' || member.op === 'bor' ? (member.args as Bool[]) : [member])));
    return parts;
  }

  /** A member's parts as bits of a 32-bit filter (see simplifyDuals). */
  private filterOf(member: Bool): number {
    let bits = this.memberFilters.get(member);
    if (bits === undefined) this.memberFilters.set(member, (bits = this.filterBits(this.partsOf(member))));
    return bits;
  }

  private filterBits(parts: Iterable<Bool>): number {
    let bits = 0;
    for (const l of parts) bits |= this.bitOf(l);
    return bits;
  }

  /**
   * For absorption in a wide connective: the members that may be implied by a member holding part `l`. Each
   * member is listed under its rarest part (a bounds check under its pointer's group): a member implied part
   * by part by X has that part, or a stronger check of that pointer, in X.
   */
  private anchors(parts: ReadonlyArray<ReadonlySet<Bool>>): (l: Bool) => readonly number[] {
    const keyOf = (l: Bool): Term | string => this.boundsCheck(l)?.group ?? l;
    const holding = new Map<Term | string, number>();
    parts.forEach((p) => {
      for (const l of p) holding.set(keyOf(l), (holding.get(keyOf(l)) ?? 0) + 1);
    });
    const anchored = new Map<Term | string, number[]>();
    parts.forEach((p, y) => {
      let anchor: Term | string | undefined;
      for (const l of p) if (anchor === undefined || holding.get(keyOf(l))! < holding.get(anchor)!) anchor = keyOf(l);
      const list = anchored.get(anchor!);
      if (list) list.push(y);
      else anchored.set(anchor!, [y]);
    });
    return (l) => anchored.get(keyOf(l)) ?? [];
  }

  /** A part's bit in a member's filter (simplifyDuals). */
  private bitOf(l: Bool): number {
    const check = this.boundsCheck(l);
    return 1 << ((check ? check.bit : l.id) & 31);
  }

  /** p ⇒ q between parts of connectives: the same term, or bounds checks where p says more than q. */
  private implies(p: Bool, q: Bool): boolean {
    if (p === q) return true;
    const a = this.boundsCheck(p);
    const b = a && this.boundsCheck(q);
    if (!a || !b || a.group !== b.group) return false;
    // L < B+a implies L < B+b for a ≤ b; B+w ≤ L implies B+v ≤ L for v ≤ w.
    return a.within ? b.offset <= a.offset : a.offset <= b.offset;
  }

  /**
   * `L < B + c` (an access past the end) or its negation, where B + c cannot wrap (B zero-extended from at
   * most half the width, c below half the range): keyed by limit and base.
   */
  private boundsCheck(t: Bool): BoundsCheck | undefined {
    let check = this.checks.get(t);
    if (check === undefined) this.checks.set(t, (check = this.readBoundsCheck(t) ?? null));
    return check ?? undefined;
  }

  private readBoundsCheck(t: Bool): BoundsCheck | undefined {
    const within = t.op === 'not';
    const cmp = within ? t.args[0]! : t;
    if (cmp.op !== 'ult') return undefined;
    const [limit, sum] = cmp.args as [BV, BV];
    const c = sum.op === 'add' ? constValue(sum.args[sum.args.length - 1]!) : undefined;
    const base = sum.op === 'add' && sum.args.length === 2 ? sum.args[0]! : undefined;
    if (c === undefined || !base || base.op !== 'zext' || 2 * base.args[0]!.width > base.width || c >= 1n << BigInt(sum.width - 1)) return undefined;
    const key = `${limit.id}:${base.id}`;
    return { key, within, offset: c, group: `${key}:${within}`, bit: (limit.id * 31 + base.id) * 2 + (within ? 1 : 0) };
  }

  /**
   * Bounds checks against one limit of one base plus constants, `L < B + c` (an access past the end) or its
   * negation, where B + c cannot wrap (B zero-extended from at most half the width, c below half the range):
   * of several, only the strongest conjunct or the weakest disjunct says anything, and opposite ones may
   * exclude each other. Every memory access after the first through one pointer gives such a check.
   * Drops what is implied from `set` in place; the whole connective when it is decided.
   */
  private bounds(op: 'band' | 'bor', set: Set<Bool>): Term | undefined {
    const groups = new Map<string, { above: Array<[Bool, bigint]>; within: Array<[Bool, bigint]> }>();
    for (const t of set) {
      const check = this.boundsCheck(t);
      if (!check) continue;
      const group = groups.get(check.key) ?? { above: [], within: [] };
      (check.within ? group.within : group.above).push([t, check.offset]);
      groups.set(check.key, group);
    }
    for (const { above, within } of groups.values()) {
      const by = (xs: Array<[Bool, bigint]>, pick: 'min' | 'max') =>
        xs.reduce((best, x) => ((pick === 'min' ? x[1] < best[1] : x[1] > best[1]) ? x : best), xs[0]!);
      if (op === 'band') {
        // L < B+a for the least a implies the others; B+w <= L for the greatest w implies the others.
        const a = above.length ? by(above, 'min') : undefined;
        const w = within.length ? by(within, 'max') : undefined;
        if (a && w && a[1] <= w[1]) return this.false;
        for (const [t] of above) if (t !== a![0]) set.delete(t);
        for (const [t] of within) if (t !== w![0]) set.delete(t);
      } else {
        // L < B+a for the greatest a is implied by the others; B+w <= L for the least w likewise.
        const a = above.length ? by(above, 'max') : undefined;
        const w = within.length ? by(within, 'min') : undefined;
        if (a && w && w[1] <= a[1]) return this.true;
        for (const [t] of above) if (t !== a![0]) set.delete(t);
        for (const [t] of within) if (t !== w![0]) set.delete(t);
      }
    }
    return undefined;
  }

  /** `t` as `value == c` or `value != c` (isNot), c a constant; undefined for anything else. */
  private equalityOf(t: Bool): CaseEquality | undefined {
    let found = this.equalities.get(t);
    if (found === undefined) this.equalities.set(t, (found = readEquality(t) ?? null));
    return found ?? undefined;
  }

  /**
   * In a conjunction, `x == c` implies every `x != d` (d another constant) and contradicts `x == d`: a chain of
   * `br_if`s on `x == 0`, `x == 1`, … guards target k with the failed tests before it and `x == k`, which is
   * `x == k` alone, the guard a `br_table` on x gives it (remove-unused-brs turns the one into the other).
   * Rewrites `set` in place; true when it is contradictory.
   */
  private caseEqualities(set: Set<Bool>): boolean {
    const equal = new Map<BV, bigint>();
    for (const term of set) {
      const e = this.equalityOf(term);
      if (!e || e.isNot) continue;
      const other = equal.get(e.value);
      if (other !== undefined && other !== e.constant) return true;
      equal.set(e.value, e.constant);
    }
    if (equal.size === 0) return false;
    for (const term of set) {
      const e = this.equalityOf(term);
      if (e?.isNot && equal.has(e.value)) {
        if (equal.get(e.value) === e.constant) return true;
        set.delete(term);
      }
    }
    return false;
  }

  /**
   * Disjunctions of conjunctions: common conjuncts are pulled out, (S ∧ q) ∨ (S ∧ ¬q) merges to S. These
   * are what merging the guards of a block's exits produces.
   */
  private factor(disjuncts: Bool[]): Term | undefined {
    // In id order, so that which members merge depends on the set, not on the order it was built in.
    disjuncts.sort(byId);
    const sets = disjuncts.map((d) => new Set(d.op === 'band' ? (d.args as Bool[]) : [d]));
    const common = [...sets[0]!].filter((c) => sets.every((s) => s.has(c)));
    if (common.length > 0) {
      const rests = sets.map((s) => this.apply('band', 'bool', [...s].filter((c) => !common.includes(c))));
      return this.apply('band', 'bool', [...common, this.apply('bor', 'bool', rests)]);
    }
    // Only members holding a literal and its complement can merge: (S ∧ q) ∨ (S ∧ ¬q) is S. Every such pair
    // merges at once, each member in the first pair it is found in (literals in holder order, members in
    // member order); looking for one pair per rebuild compared every holder of q with every holder of ¬q each
    // time, quadratic in the wide disjunctions of unrolled rounds.
    const merged: Bool[] = [];
    const consumed = new Set<number>();
    for (const [l, atom, negative, positive] of complementsHeld(holdersOf(sets))) {
      const withL = new Map<string, number>();
      for (const i of negative) if (!consumed.has(i)) withL.set(this.restKey(sets[i]!, l), i);
      for (const j of positive) {
        if (consumed.has(j)) continue;
        const i = withL.get(this.restKey(sets[j]!, atom));
        if (i === undefined || consumed.has(i)) continue;
        merged.push(this.and(...[...sets[i]!].filter((c) => c !== l)));
        consumed.add(i).add(j);
      }
    }
    if (merged.length === 0) return this.factorPair(disjuncts, sets);
    return this.apply('bor', 'bool', [...disjuncts.filter((_, k) => !consumed.has(k)), ...merged]);
  }

  /** The ids of a member's parts but one, as a key: two members with one key differ in that part alone. */
  private restKey(parts: ReadonlySet<Bool>, left: Bool): string {
    const ids: number[] = [];
    for (const c of parts) if (c !== left) ids.push(c.id);
    return ids.sort((x, y) => x - y).join(',');
  }

  /**
   * Members that differ in one conjunct each, (R ∧ x) ∨ (R ∧ y) ∨ (R ∧ z), are R ∧ (x ∨ y ∨ z): remove-unused-brs
   * joins two `br_if`s to one target into one on the `or` of their conditions, and the guards of the two exits
   * are the first form, the guard of the one exit the second. All such groups merge at once, each member into
   * the first group (in member order) it shares all conjuncts but one with: merging one pair per rebuild made
   * the wide disjunctions of unrolled SIMD rounds (300 members, one per access) quadratic, a rebuild per pair.
   */
  private factorPair(disjuncts: readonly Bool[], sets: ReadonlyArray<ReadonlySet<Bool>>): Term | undefined {
    // Members keyed by their conjuncts but one: members with one key differ in that one conjunct each.
    const groups = new Map<string, Array<[number, Bool]>>();
    for (const [j, set] of sets.entries()) {
      if (set.size < 2 || set.size > MAX_FACTORED_CONJUNCTS) continue;
      for (const y of set) {
        const key = this.restKey(set, y);
        const group = groups.get(key);
        if (group) group.push([j, y]);
        else groups.set(key, [[j, y]]);
      }
    }
    const merged: Bool[] = [];
    const consumed = new Set<number>();
    for (const group of groups.values()) {
      const members = group.filter(([j]) => !consumed.has(j));
      if (members.length < 2) continue;
      const [first, left] = members[0]!;
      const shared = [...sets[first]!].filter((c) => c !== left);
      merged.push(this.and(...shared, this.or(...members.map(([, y]) => y))));
      for (const [j] of members) consumed.add(j);
    }
    if (merged.length === 0) return undefined;
    return this.apply('bor', 'bool', [...disjuncts.filter((_, k) => !consumed.has(k)), ...merged]);
  }

  private equality(a: Term, b: Term): Term | Term[] {
    if (a === b) return this.true;
    if (a.sort === 'bool') {
      if (a.op === 'bool') return a.data ? b : this.not(b as Bool);
      if (b.op === 'bool') return b.data ? a : this.not(a as Bool);
      if (a.op === 'not' && a.args[0] === b) return this.false;
      if (b.op === 'not' && b.args[0] === a) return this.false;
      if (a.op === 'not' && b.op === 'not') return this.apply('eq', 'bool', [a.args[0]!, b.args[0]!]);
      if (a.op === 'not') return this.not(this.apply('eq', 'bool', [a.args[0]!, b]) as Bool);
      if (b.op === 'not') return this.not(this.apply('eq', 'bool', [a, b.args[0]!]) as Bool);
    }
    let [x, y] = isConst(a) ? [b, a] : isConst(b) ? [a, b] : a.id < b.id ? [a, b] : [b, a];
    const c = constValue(y);
    if (c !== undefined && x.op === 'add') {
      const k = constValue(x.args[x.args.length - 1]!);
      if (k !== undefined) {
        const rest = x.args.slice(0, -1);
        x = rest.length === 1 ? rest[0]! : this.apply('add', x.sort, rest);
        y = this.constant(c - k, x.width);
        return this.apply('eq', 'bool', [x, y]);
      }
    }
    // An `or` is zero when each operand is: remove-unused-brs joins two `br_if`s out of a block into one
    // `if` on the `or` of their conditions, and each condition is then tested as it was.
    if (c === 0n && x.op === 'or') return this.and(...x.args.map((arg) => this.eq(arg, y)));
    // A test of one bit is a test of that bit, whatever width the value was masked at: `(x & 1) != 0` on an
    // i64 and `wrap(x & 1)` as an i32 condition (optimize-instructions writes one as the other).
    const bit = c === 0n && x.op === 'and' && x.args.length === 2 ? constValue(x.args[1]!) : undefined;
    if (bit !== undefined && bit > 0n && (bit & (bit - 1n)) === 0n) {
      const k = bit.toString(2).length - 1;
      return this.apply('eq', 'bool', [this.extract(x.args[0] as BV, k, k), this.constant(0n, 1)]);
    }
    if (x.op === 'zext') {
      const inner = x.args[0]!;
      if (c !== undefined) return c >> BigInt(inner.width) === 0n ? this.apply('eq', 'bool', [inner, this.constant(c, inner.width)]) : this.false;
      if (y.op === 'zext' && y.args[0]!.width === inner.width) return this.apply('eq', 'bool', [inner, y.args[0]!]);
    }
    return [x, y];
  }

  /**
   * if-then-else: on a negated condition the arms swap; nested choices on one condition collapse, and nested
   * choices that share an arm become one choice on a combined condition. Of a condition and its negation
   * (in negation normal form) the one with the smaller term id is the condition: both sides build both, so
   * they choose alike whichever they built first.
   */
  private choice(c: Bool, a: Term, b: Term): Term | Term[] {
    if (c.op === 'bool') return c.data ? a : b;
    if (a === b) return a;
    if (c.op === 'not') return this.apply('ite', a.sort, [c.args[0]!, b, a]);
    if (a.op === 'ite' && a.args[0] === c) return this.apply('ite', a.sort, [c, a.args[1]!, b]);
    if (b.op === 'ite' && b.args[0] === c) return this.apply('ite', a.sort, [c, a, b.args[2]!]);
    if (a.sort === 'bool') {
      const [p, q] = [a as Bool, b as Bool];
      return this.or(this.and(c, p), this.and(this.not(c), q));
    }
    if (b.op === 'ite' && b.args[1] === a) return this.apply('ite', a.sort, [this.or(c, b.args[0] as Bool), a, b.args[2]!]);
    if (a.op === 'ite' && a.args[2] === b) return this.apply('ite', a.sort, [this.and(c, a.args[0] as Bool), a.args[1]!, b]);
    // The same with the shared value on the other side of the inner choice: one nested `if` that keeps a value
    // unless two conditions hold is one `if` on both conditions.
    if (b.op === 'ite' && b.args[2] === a) return this.apply('ite', a.sort, [this.and(this.not(c), b.args[0] as Bool), b.args[1]!, a]);
    if (a.op === 'ite' && a.args[1] === b) return this.apply('ite', a.sort, [this.and(c, this.not(a.args[0] as Bool)), a.args[2]!, b]);
    const lifted = this.liftedChoice(c, a, b);
    if (lifted) return lifted;
    const negated = this.not(c);
    if (negated.op !== 'not' && negated.id < c.id) return this.apply('ite', a.sort, [negated, b, a]);
    return [c, a, b];
  }

  /**
   * A choice between two sums, or two stores to one address, that differ in one operand (a store: in its
   * memory, its value or both) is the sum or store of the choice: code-folding moves the common tail of two
   * arms (`x + 1` stored at one address) after the join, where it reads the joined values.
   */
  private liftedChoice(c: Bool, a: Term, b: Term): Term | undefined {
    if (a.op !== b.op || a.data !== b.data || a.args.length !== b.args.length) return undefined;
    const differ = a.args.map((x, i) => x !== b.args[i]);
    const lifts = a.op === 'store' ? !differ[1] : a.op === 'add' && differ.filter(Boolean).length === 1;
    if (!lifts) return undefined;
    const args = a.args.map((x, i) => (differ[i] ? this.apply('ite', x.sort, [c, x, b.args[i]!]) : x));
    return this.apply(a.op, a.sort, args, a.data);
  }

  // ---- bit fields ----

  private extension(op: 'zext' | 'sext', sort: Sort, x: BV): Term | Term[] {
    const width = Number(sort.slice(2));
    if (x.width === width) return x;
    if (x.op === op) return this.apply(op, sort, [x.args[0]!]);
    if (op === 'sext' && x.op === 'zext') return this.apply('zext', sort, [x.args[0]!]);
    return [x];
  }

  private extraction(x: BV, [hi, lo]: [number, number]): Term | Term[] {
    const width = hi - lo + 1;
    const sort = bvSort(width);
    if (lo === 0 && width === x.width) return x;
    const again = (y: Term, h: number, l: number) => this.apply('extract', bvSort(h - l + 1), [y], [h, l]);
    switch (x.op) {
      case 'extract': {
        const [, innerLo] = x.data as [number, number];
        return again(x.args[0]!, hi + innerLo, lo + innerLo);
      }
      case 'zext': case 'sext': {
        const inner = x.args[0]!;
        if (hi < inner.width) return again(inner, hi, lo);
        if (x.op === 'zext' && lo >= inner.width) return this.constant(0n, width);
        break;
      }
      case 'concat': {
        let top = x.width;
        for (const part of x.args) {
          const bottom = top - part.width;
          if (lo >= bottom && hi < top) return again(part, hi - bottom, lo - bottom);
          top = bottom;
        }
        break;
      }
      case 'b2bv':
        return lo === 0 ? this.apply('b2bv', sort, x.args) : this.constant(0n, width);
      case 'ite':
        return this.apply('ite', sort, [x.args[0]!, again(x.args[1]!, hi, lo), again(x.args[2]!, hi, lo)]);
      default:
        // The low bits of a sum, product or bitwise operation depend only on the low bits of its operands.
        if (lo === 0 && AC_BV.has(x.op)) return this.apply(x.op, sort, x.args.map((a) => again(a, hi, 0)));
    }
    return [x];
  }

  private concatenation(parts: readonly BV[]): Term | Term[] {
    const flat: BV[] = [];
    for (const p of parts) {
      if (p.op === 'concat') flat.push(...(p.args as BV[]));
      else flat.push(p);
    }
    // Adjacent extracts of one term that meet join into one.
    const joined: BV[] = [];
    for (const p of flat) {
      const last = joined[joined.length - 1];
      const range = (t: Term) => t.data as readonly [number, number];
      if (last?.op === 'extract' && p.op === 'extract' && last.args[0] === p.args[0] && range(last)[1] === range(p)[0] + 1) {
        joined[joined.length - 1] = this.extract(p.args[0] as BV, range(last)[0], range(p)[1]);
      } else {
        joined.push(p);
      }
    }
    const total = joined.reduce((w, p) => w + p.width, 0);
    if (joined.length === 1) return joined[0]!;
    if (joined.length === 2 && constValue(joined[0]!) === 0n) return this.apply('zext', bvSort(total), [joined[1]!]);
    return joined;
  }

  // ---- memory ----

  private address(a: BV): Address {
    const c = constValue(a);
    if (c !== undefined) return { base: null, offset: c };
    if (a.op === 'add') {
      const k = constValue(a.args[a.args.length - 1]!);
      if (k !== undefined) {
        const rest = a.args.slice(0, -1);
        return { base: rest.length === 1 ? rest[0]! : this.apply('add', a.sort, rest), offset: k };
      }
    }
    return { base: a, offset: 0n };
  }

  /**
   * How the bytes [a, a+k) relate to [b, b+l) when both addresses are one base plus constants: addresses wrap
   * at the address width, so the ranges are disjoint exactly when (a - b) mod 2^w lies in [l, 2^w - k].
   */
  private relation(a: BV, k: number, b: BV, l: number): { kind: 'disjoint' } | { kind: 'inside'; delta: number } | undefined {
    const x = this.address(a);
    const y = this.address(b);
    if (x.base !== y.base) return undefined;
    const w = a.width;
    const d = BigInt.asUintN(w, x.offset - y.offset);
    if (d + BigInt(k) <= BigInt(l)) return { kind: 'inside', delta: Number(d) };
    if (d >= BigInt(l) && d <= (1n << BigInt(w)) - BigInt(k)) return { kind: 'disjoint' };
    return undefined;
  }

  /**
   * Loads read through stores to other bytes, and through a merge whose arms both read the same value, and
   * take a stored value's bytes directly.
   */
  private loadFrom(memory: Mem, addr: BV, sort: Sort): Term | Term[] {
    const k = Number(sort.slice(2)) / 8;
    let m: Mem = memory;
    for (let depth = 0; m.op === 'store' && depth < STORE_DEPTH; depth++) {
      const value = m.args[2] as BV;
      const where = this.relation(addr, k, m.args[1] as BV, value.width / 8);
      if (!where) break;
      if (where.kind === 'inside') return this.extract(value, 8 * (where.delta + k) - 1, 8 * where.delta);
      m = m.args[0] as Mem;
    }
    if (m.op === 'ite') {
      // Memory where two paths met: when both arms read the same value (each stored elsewhere, say), so
      // does the load. The arms' loads are remembered like any term, so nested merges are read once each.
      const yes = this.apply('load', sort, [m.args[1]!, addr]);
      if (yes === this.apply('load', sort, [m.args[2]!, addr])) return yes;
    }
    return [m, addr];
  }

  /** Order of stores to disjoint bytes: by base term, then offset. */
  private storeKey(addr: BV): [number, bigint] {
    const { base, offset } = this.address(addr);
    return [base ? base.id : -1, offset];
  }

  /**
   * Stores: one that rewrites bytes a store below it (past stores to other bytes) wrote alone replaces it;
   * writing back what was loaded from the same memory is no store; stores to disjoint bytes are sorted.
   */
  private storeInto(memory: Mem, addr: BV, value: BV): Term | Term[] {
    const k = value.width / 8;
    if (value.op === 'load' && value.args[0] === memory && value.args[1] === addr) return memory;
    const passed: Mem[] = [];
    let m: Mem = memory;
    let overwritten = false;
    for (let depth = 0; m.op === 'store' && depth < STORE_DEPTH; depth++) {
      const below = m.args[2] as BV;
      const where = this.relation(m.args[1] as BV, below.width / 8, addr, k);
      if (where?.kind === 'inside') {
        m = m.args[0] as Mem;
        overwritten = true;
        break;
      }
      if (where?.kind !== 'disjoint') break;
      passed.push(m);
      m = m.args[0] as Mem;
    }
    if (!overwritten) {
      // Keep the stores it passed, and sink it below those that sort after it.
      const [base, offset] = this.storeKey(addr);
      const after = (s: Mem) => {
        const [b, o] = this.storeKey(s.args[1] as BV);
        return b > base || (b === base && o > offset);
      };
      let sink = 0;
      while (sink < passed.length && after(passed[sink]!)) sink++;
      if (sink === 0) return [memory, addr, value];
      m = passed[sink - 1]!.args[0] as Mem;
      passed.length = sink;
    }
    let result = overwritten || passed.length > 0 ? (this.apply('store', memory.sort, [m, addr, value]) as Mem) : m;
    for (let i = passed.length - 1; i >= 0; i--) result = this.apply('store', memory.sort, [result, passed[i]!.args[1]!, passed[i]!.args[2]!]) as Mem;
    return result;
  }

  // ---- typed constructors the encoder uses ----

  add(...args: BV[]): BV { return this.apply('add', args[0]!.sort, args) as BV; }
  sub(a: BV, b: BV): BV { return this.add(a, this.neg(b)); }
  neg(a: BV): BV { return this.mul(a, this.constant(-1n, a.width)); }
  mul(...args: BV[]): BV { return this.apply('mul', args[0]!.sort, args) as BV; }
  bits(op: 'and' | 'or' | 'xor', a: BV, b: BV): BV { return this.apply(op, a.sort, [a, b]) as BV; }
  binary(op: Op, a: BV, b: BV): BV { return this.apply(op, a.sort, [a, b]) as BV; }
  unary(op: Op, a: BV): BV { return this.apply(op, a.sort, [a]) as BV; }
  zext(a: BV, width: number): BV { return this.apply('zext', bvSort(width), [a]) as BV; }
  sext(a: BV, width: number): BV { return this.apply('sext', bvSort(width), [a]) as BV; }
  extract(a: BV, hi: number, lo: number): BV { return this.apply('extract', bvSort(hi - lo + 1), [a], [hi, lo]) as BV; }
  concat(...parts: BV[]): BV { return this.apply('concat', bvSort(parts.reduce((w, p) => w + p.width, 0)), parts) as BV; }
  b2bv(p: Bool, width = 32): BV { return this.apply('b2bv', bvSort(width), [p]) as BV; }

  not(p: Bool): Bool { return this.apply('not', 'bool', [p]) as Bool; }
  and(...ps: Bool[]): Bool { return ps.length === 0 ? this.true : ps.length === 1 ? ps[0]! : this.apply('band', 'bool', ps) as Bool; }
  or(...ps: Bool[]): Bool { return ps.length === 0 ? this.false : ps.length === 1 ? ps[0]! : this.apply('bor', 'bool', ps) as Bool; }
  eq(a: Term, b: Term): Bool { return this.apply('eq', 'bool', [a, b]) as Bool; }
  ne(a: Term, b: Term): Bool { return this.not(this.eq(a, b)); }
  /** wasm's truth of an i32: not zero. */
  truthy(a: BV): Bool { return this.ne(a, this.constant(0n, a.width)); }
  ult(a: BV, b: BV): Bool { return this.apply('ult', 'bool', [a, b]) as Bool; }
  slt(a: BV, b: BV): Bool { return this.apply('slt', 'bool', [a, b]) as Bool; }
  ite<S extends Sort>(c: Bool, a: Term<S>, b: Term<S>): Term<S> { return this.apply('ite', a.sort, [c, a, b]) as Term<S>; }

  load(memory: Mem, addr: BV, bytes: number): BV { return this.apply('load', bvSort(8 * bytes), [memory, addr]) as BV; }
  store(memory: Mem, addr: BV, value: BV): Mem { return this.apply('store', memory.sort, [memory, addr, value]) as Mem; }
  uf<S extends Sort>(name: string, sort: S, args: readonly Term[]): Term<S> { return this.apply('uf', sort, args, name) as Term<S>; }
}
