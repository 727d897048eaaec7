/**
 * z3 driven through its low-level API, every reference counted by hand, one fresh context per check.
 *
 * Why not z3-solver's high-level API: its objects release their z3 references from a FinalizationRegistry,
 * and those callbacks run on the JS thread whenever the garbage collector decides — including while
 * `solver_check` runs on z3's own pthread over the same context. z3 contexts are not thread-safe, so a
 * release during a check races with the check (seen in CI: one wrong value in a model; in the solver worker
 * once: "memory access out of bounds" inside z3). Here nothing is released except by this code, between checks.
 *
 * Why a context per check: what z3 does on a query depends on its context's history (term ids, hash-table
 * order). Measured on a quick query of a step check: in one context the same query took 14218, 14345, 15019,
 * 8928, 11596 … units of z3's resource count on consecutive checks (and was answered or not within a fixed
 * limit accordingly); in a fresh context each time, 14218 every time, for 1.3–1.8 ms of set-up and 0.3 ms to
 * delete. Which thread a query lands on, after which others, then no longer changes its verdict.
 *
 * Why a resource limit and not a timeout: a timeout's verdict follows the machine's load, so the same step
 * was proved on one run and sent back on the next (three strict runs of brotli-wasm, three outputs). z3's
 * `rlimit` counts its own work (rewriting steps, conflicts, propagations), the same on every machine and
 * every run of the same z3 build; a wall-clock timeout stays behind it only as a safety net (WALL_SAFETY).
 */
import { WALL_SAFETY, Z3_WORK_PER_MS, type SolverOutcome } from './solver-task.js';
import { init, killThreads, Z3_ast_print_mode, Z3_error_code, Z3_lbool, Z3_symbol_kind, type Z3LowLevel } from 'z3-solver';

type Z3 = Z3LowLevel['Z3'];
type Context = ReturnType<Z3['mk_context_rc']>;
type Solver = ReturnType<Z3['mk_solver']>;
type Tactic = ReturnType<Z3['mk_tactic']>;

export type SessionAnswer = SolverOutcome & {
  /** The z3 work the check spent, in the milliseconds of budget it stands for (its units ÷ Z3_WORK_PER_MS). */
  workMs: number;
};

export interface SessionCheck {
  /** The check's budget of z3 work, ms: enforced as `rlimit` (Z3_WORK_PER_MS), not by a clock. */
  workMs: number;
  /** Wall-clock cap, ms (default WALL_SAFETY × workMs): a safety net, see WALL_SAFETY. */
  wallMs?: number;
  /**
   * Solve with a fixed tactic (simplify, solve-eqs, then bit-blast and SAT, or the SMT core) instead of z3's
   * default solver: fast on small bit-vector queries, and its giving up is cheap.
   */
  quick?: boolean;
  /** Extra assertions tried first when the query is sat (e.g. a small memory size), within the same budget. */
  narrow?: string;
}

export class Z3Session {
  private constructor(private readonly api: Z3LowLevel) {}

  static async open(): Promise<Z3Session> {
    return new Z3Session(await init());
  }

  version(): string {
    const v = this.api.Z3.get_version();
    return `${v.major}.${v.minor}.${v.build_number}`;
  }

  /**
   * Checks SMT-LIB text (declarations and assertions); a sat answer carries the model's constants as text.
   * With `narrow`, a sat query is checked again with those assertions added, on what is left of the budget,
   * and that model is the answer when there is one.
   */
  async check(smt: string, options: SessionCheck): Promise<SessionAnswer> {
    const { Z3 } = this.api;
    const cfg = Z3.mk_config();
    const ctx = Z3.mk_context_rc(cfg);
    Z3.del_config(cfg);
    try {
      // Models print bit-vectors as SMT-LIB literals (#x…), which is what replay parses.
      Z3.set_ast_print_mode(ctx, Z3_ast_print_mode.Z3_PRINT_SMTLIB2_COMPLIANT);
      // Both are unsigned 32-bit parameters in z3.
      const units = within32Bits(options.workMs * Z3_WORK_PER_MS);
      const wallMs = within32Bits(options.wallMs ?? WALL_SAFETY * options.workMs);
      const started = performance.now();
      const first = await this.checkIn(ctx, smt, units, wallMs, options.quick === true);
      if (first.status !== 'sat' || !options.narrow || first.spent >= units) return answerOf(first);
      const wallLeft = Math.max(1, Math.round(wallMs - (performance.now() - started)));
      const narrowed = await this.checkIn(ctx, `${smt.replace(/\(check-sat\)\s*$/, '')}${options.narrow}\n(check-sat)\n`, units - first.spent, wallLeft, options.quick === true);
      const spent = first.spent + narrowed.spent;
      return answerOf(narrowed.status === 'sat' ? { ...narrowed, spent } : { ...first, spent });
    } finally {
      Z3.del_context(ctx);
    }
  }

  close(): void {
    killThreads(this.api.em);
  }

  private async checkIn(ctx: Context, smt: string, units: number, wallMs: number, quick: boolean): Promise<Checked> {
    const { Z3 } = this.api;
    const tactics: Tactic[] = [];
    const solver = quick ? Z3.mk_solver_from_tactic(ctx, this.quickTactic(ctx, tactics)) : Z3.mk_solver(ctx);
    Z3.solver_inc_ref(ctx, solver);
    try {
      this.setLimits(ctx, solver, units, wallMs);
      Z3.solver_from_string(ctx, solver, smt);
      this.throwIfError(ctx);
      const before = this.workCount(ctx, solver);
      const status = await Z3.solver_check(ctx, solver);
      this.throwIfError(ctx);
      const spent = this.workCount(ctx, solver) - before;
      if (status === Z3_lbool.Z3_L_TRUE) return { status: 'sat', model: this.modelOf(ctx, solver), spent };
      if (status === Z3_lbool.Z3_L_FALSE) return { status: 'unsat', spent };
      const reason = Z3.solver_get_reason_unknown(ctx, solver);
      // z3 says "canceled" when its rlimit ran out: say what ran out.
      if (spent >= units) return { status: 'unknown', reason: `timeout (z3 spent its budget: ${units} units of counted work, ${units / Z3_WORK_PER_MS} ms)`, spent };
      // Stopped by the clock first, the check is charged its whole budget, as if the work limit had stopped it:
      // what the rest of the check may still do then does not follow the clock either.
      if (/timeout/i.test(reason)) return { status: 'unknown', reason: `timeout (z3's wall-clock safety net of ${wallMs} ms, before its budget of counted work)`, spent: units };
      return { status: 'unknown', reason, spent };
    } finally {
      Z3.solver_dec_ref(ctx, solver);
      for (const t of tactics) Z3.tactic_dec_ref(ctx, t);
    }
  }

  private quickTactic(ctx: Context, held: Tactic[]): Tactic {
    const { Z3 } = this.api;
    const hold = (t: Tactic) => {
      Z3.tactic_inc_ref(ctx, t);
      held.push(t);
      return t;
    };
    const named = (name: string) => hold(Z3.mk_tactic(ctx, name));
    const then = (a: Tactic, b: Tactic) => hold(Z3.tactic_and_then(ctx, a, b));
    const solve = hold(Z3.tactic_or_else(ctx, then(named('bit-blast'), named('sat')), named('smt')));
    return then(then(named('simplify'), named('solve-eqs')), solve);
  }

  private setLimits(ctx: Context, solver: Solver, units: number, wallMs: number): void {
    const { Z3 } = this.api;
    const params = Z3.mk_params(ctx);
    Z3.params_inc_ref(ctx, params);
    try {
      Z3.params_set_uint(ctx, params, Z3.mk_string_symbol(ctx, 'rlimit'), units);
      Z3.params_set_uint(ctx, params, Z3.mk_string_symbol(ctx, 'timeout'), wallMs);
      Z3.solver_set_params(ctx, solver, params);
    } finally {
      Z3.params_dec_ref(ctx, params);
    }
  }

  /** z3's resource count of the context so far ("rlimit count"): work, in its units, on any machine alike. */
  private workCount(ctx: Context, solver: Solver): number {
    const { Z3 } = this.api;
    const stats = Z3.solver_get_statistics(ctx, solver);
    Z3.stats_inc_ref(ctx, stats);
    try {
      for (let i = 0; i < Z3.stats_size(ctx, stats); i++) {
        if (Z3.stats_get_key(ctx, stats, i) !== 'rlimit count') continue;
        return Z3.stats_is_uint(ctx, stats, i) ? Z3.stats_get_uint_value(ctx, stats, i) : Z3.stats_get_double_value(ctx, stats, i);
      }
      return 0;
    } finally {
      Z3.stats_dec_ref(ctx, stats);
    }
  }

  private modelOf(ctx: Context, solver: Solver): Record<string, string> {
    const { Z3 } = this.api;
    const model = Z3.solver_get_model(ctx, solver);
    Z3.model_inc_ref(ctx, model);
    try {
      const values: Record<string, string> = {};
      // The model owns its declarations and values; nothing is released while they are read.
      for (let i = 0; i < Z3.model_get_num_consts(ctx, model); i++) {
        const decl = Z3.model_get_const_decl(ctx, model, i);
        const value = Z3.model_get_const_interp(ctx, model, decl);
        if (value !== null) values[this.symbolText(ctx, Z3.get_decl_name(ctx, decl))] = Z3.ast_to_string(ctx, value);
      }
      return values;
    } finally {
      Z3.model_dec_ref(ctx, model);
    }
  }

  private symbolText(ctx: Context, symbol: ReturnType<Z3['get_decl_name']>): string {
    const { Z3 } = this.api;
    return Z3.get_symbol_kind(ctx, symbol) === Z3_symbol_kind.Z3_STRING_SYMBOL ? Z3.get_symbol_string(ctx, symbol) : String(Z3.get_symbol_int(ctx, symbol));
  }

  private throwIfError(ctx: Context): void {
    const { Z3 } = this.api;
    const code = Z3.get_error_code(ctx);
    if (code !== Z3_error_code.Z3_OK) throw new Error(Z3.get_error_msg(ctx, code));
  }
}

/** One solver_check's outcome, with the units it spent. */
type Checked = SolverOutcome & { spent: number };

function within32Bits(value: number): number {
  return Math.min(0xffffffff, Math.max(1, Math.round(value)));
}

function answerOf({ spent, ...answer }: Checked): SessionAnswer {
  return { ...answer, workMs: spent / Z3_WORK_PER_MS };
}
