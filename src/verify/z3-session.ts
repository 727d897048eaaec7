/**
 * One z3 instance driven through its low-level API, every reference counted by hand.
 *
 * Why not z3-solver's high-level API: its objects release their z3 references from a FinalizationRegistry,
 * and those callbacks run on the JS thread whenever the garbage collector decides — including while
 * `solver_check` runs on z3's own pthread over the same context. z3 contexts are not thread-safe, so a
 * release during a check races with the check (seen in CI: one wrong value in a model; in the solver worker
 * once: "memory access out of bounds" inside z3). Here nothing is released except by this code, between checks.
 */
import { init, killThreads, Z3_ast_print_mode, Z3_error_code, Z3_lbool, Z3_symbol_kind, type Z3LowLevel } from 'z3-solver';

type Z3 = Z3LowLevel['Z3'];
type Context = ReturnType<Z3['mk_context_rc']>;
type Solver = ReturnType<Z3['mk_solver']>;
type Tactic = ReturnType<Z3['mk_tactic']>;

export type SessionAnswer =
  | { status: 'sat'; model: Record<string, string> }
  | { status: 'unsat' }
  | { status: 'unknown'; reason: string };

export interface SessionCheck {
  timeoutMs: number;
  /**
   * Solve with a fixed tactic (simplify, solve-eqs, then bit-blast and SAT, or the SMT core) limited to
   * timeoutMs, instead of z3's default solver: fast on small bit-vector queries, and its giving up is cheap.
   */
  quick?: boolean;
}

export class Z3Session {
  private constructor(
    private readonly api: Z3LowLevel,
    private readonly ctx: Context,
  ) {}

  static async open(): Promise<Z3Session> {
    const api = await init();
    const cfg = api.Z3.mk_config();
    const ctx = api.Z3.mk_context_rc(cfg);
    api.Z3.del_config(cfg);
    // Models print bit-vectors as SMT-LIB literals (#x…), which is what replay parses.
    api.Z3.set_ast_print_mode(ctx, Z3_ast_print_mode.Z3_PRINT_SMTLIB2_COMPLIANT);
    return new Z3Session(api, ctx);
  }

  version(): string {
    const v = this.api.Z3.get_version();
    return `${v.major}.${v.minor}.${v.build_number}`;
  }

  /** Checks SMT-LIB text (declarations and assertions); a sat answer carries the model's constants as text. */
  async check(smt: string, options: SessionCheck): Promise<SessionAnswer> {
    const { Z3 } = this.api;
    const ctx = this.ctx;
    const tactics: Tactic[] = [];
    const solver = options.quick ? Z3.mk_solver_from_tactic(ctx, this.quickTactic(options.timeoutMs, tactics)) : Z3.mk_solver(ctx);
    Z3.solver_inc_ref(ctx, solver);
    try {
      if (!options.quick) this.setTimeout(solver, options.timeoutMs);
      Z3.solver_from_string(ctx, solver, smt);
      this.throwIfError();
      const status = await Z3.solver_check(ctx, solver);
      this.throwIfError();
      if (status === Z3_lbool.Z3_L_TRUE) return { status: 'sat', model: this.modelOf(solver) };
      if (status === Z3_lbool.Z3_L_FALSE) return { status: 'unsat' };
      return { status: 'unknown', reason: Z3.solver_get_reason_unknown(ctx, solver) };
    } finally {
      Z3.solver_dec_ref(ctx, solver);
      for (const t of tactics) Z3.tactic_dec_ref(ctx, t);
    }
  }

  close(): void {
    killThreads(this.api.em);
  }

  private quickTactic(ms: number, held: Tactic[]): Tactic {
    const { Z3 } = this.api;
    const hold = (t: Tactic) => {
      Z3.tactic_inc_ref(this.ctx, t);
      held.push(t);
      return t;
    };
    const named = (name: string) => hold(Z3.mk_tactic(this.ctx, name));
    const then = (a: Tactic, b: Tactic) => hold(Z3.tactic_and_then(this.ctx, a, b));
    const solve = hold(Z3.tactic_or_else(this.ctx, then(named('bit-blast'), named('sat')), named('smt')));
    return hold(Z3.tactic_try_for(this.ctx, then(then(named('simplify'), named('solve-eqs')), solve), ms));
  }

  private setTimeout(solver: Solver, ms: number): void {
    const { Z3 } = this.api;
    const params = Z3.mk_params(this.ctx);
    Z3.params_inc_ref(this.ctx, params);
    try {
      Z3.params_set_uint(this.ctx, params, Z3.mk_string_symbol(this.ctx, 'timeout'), ms);
      Z3.solver_set_params(this.ctx, solver, params);
    } finally {
      Z3.params_dec_ref(this.ctx, params);
    }
  }

  private modelOf(solver: Solver): Record<string, string> {
    const { Z3 } = this.api;
    const model = Z3.solver_get_model(this.ctx, solver);
    Z3.model_inc_ref(this.ctx, model);
    try {
      const values: Record<string, string> = {};
      // The model owns its declarations and values; nothing is released while they are read.
      for (let i = 0; i < Z3.model_get_num_consts(this.ctx, model); i++) {
        const decl = Z3.model_get_const_decl(this.ctx, model, i);
        const value = Z3.model_get_const_interp(this.ctx, model, decl);
        if (value !== null) values[this.symbolText(Z3.get_decl_name(this.ctx, decl))] = Z3.ast_to_string(this.ctx, value);
      }
      return values;
    } finally {
      Z3.model_dec_ref(this.ctx, model);
    }
  }

  private symbolText(symbol: ReturnType<Z3['get_decl_name']>): string {
    const { Z3 } = this.api;
    return Z3.get_symbol_kind(this.ctx, symbol) === Z3_symbol_kind.Z3_STRING_SYMBOL ? Z3.get_symbol_string(this.ctx, symbol) : String(Z3.get_symbol_int(this.ctx, symbol));
  }

  private throwIfError(): void {
    const { Z3 } = this.api;
    const code = Z3.get_error_code(this.ctx);
    if (code !== Z3_error_code.Z3_OK) throw new Error(Z3.get_error_msg(this.ctx, code));
  }
}
