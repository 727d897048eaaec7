/**
 * A z3 worker thread: one z3 instance, one check at a time. It only parses SMT-LIB text, checks it, and
 * reads back the model's constants; everything else (encoding, replay) happens outside.
 */
import { threadId } from 'node:worker_threads';
import { init, killThreads } from 'z3-solver';
import { SOLVER_ERROR, isSolverFailure, type SolverTask, type SolverAnswer, type SolverReply } from './solver-task.js';

const api = await init();
const ctx = new api.Context('main');

function modelValues(model: { decls(): Array<{ arity(): number; name(): string | number }>; get(decl: never): { sexpr(): string } }): Record<string, string> {
  const values: Record<string, string> = {};
  for (const decl of model.decls()) {
    if (decl.arity() !== 0) continue;
    values[String(decl.name())] = model.get(decl as never).sexpr();
  }
  return values;
}

/** The quick tactic of a SolverTask: see solver-task.ts. */
const quickTactic = (ms: number) => ctx.TryFor(ctx.AndThen('simplify', 'solve-eqs', ctx.OrElse(ctx.AndThen('bit-blast', 'sat'), 'smt')), ms);

async function check(smt: string, timeoutMs: number, quick = false): Promise<{ answer: SolverAnswer }> {
  const solver = quick ? quickTactic(timeoutMs).solver() : new ctx.Solver();
  try {
    if (!quick) solver.set('timeout', timeoutMs);
    solver.fromString(smt);
    const status = await solver.check();
    if (status === 'sat') {
      return { answer: { status: 'sat', model: modelValues(solver.model() as never) } };
    }
    if (status === 'unsat') return { answer: { status: 'unsat' } };
    const reason = solver.reasonUnknown();
    // The quick tactic gives up in its own words ("failed to show goal…"); only the full solver's are sorted.
    return { answer: { status: 'unknown', reason: !quick && isSolverFailure(reason) ? `${SOLVER_ERROR}: z3 failed: ${reason}` : reason } };
  } finally {
    solver.release();
  }
}

export default async function solve(task: SolverTask | { kind: 'warmup' } | { kind: 'version' }): Promise<SolverReply | string> {
  if (task.kind === 'warmup') {
    await check('(declare-const x (_ BitVec 32))(assert (not (= (bvmul x #x00000008) (bvshl x #x00000003))))', 1000);
    return { answer: { status: 'unsat' } };
  }
  if (task.kind === 'version') {
    const v = api.Z3.get_version();
    return `${v.major}.${v.minor}.${v.build_number}`;
  }
  let answer: SolverAnswer;
  const started = performance.now();
  try {
    answer = await answerOf(task);
  } catch (error) {
    // z3 itself failed (seen once: "memory access out of bounds" inside its wasm): this instance is done.
    answer = { status: 'unknown', reason: `${SOLVER_ERROR}: ${error instanceof Error ? error.message : String(error)}` };
  }
  answer.ms = performance.now() - started;
  // A quick tactic that gave up within its budget was meant to; only a real timeout or failure retires the thread.
  const gaveUp = task.tactic === 'quick' && answer.status === 'unknown' && !answer.reason.startsWith(SOLVER_ERROR);
  return answer.status === 'unknown' && !gaveUp ? { answer, retireThread: threadId } : { answer };
}

async function answerOf(task: SolverTask): Promise<SolverAnswer> {
  const started = performance.now();
  const first = await check(task.smt, task.timeoutMs, task.tactic === 'quick');
  // A model with a small memory replays cheaply: ask for one first, fall back to any model.
  if (first.answer.status === 'sat' && task.narrow) {
    const remaining = Math.round(Math.max(100, task.timeoutMs - (performance.now() - started)));
    const narrowed = await check(`${task.smt.replace(/\(check-sat\)\s*$/, '')}${task.narrow}\n(check-sat)\n`, remaining);
    if (narrowed.answer.status === 'sat') return narrowed.answer;
  }
  return first.answer;
}

process.on('exit', () => killThreads(api.em));
