/**
 * A z3 worker thread: one z3 instance, one check at a time, each in a fresh context. It only parses SMT-LIB
 * text, checks it, and reads back the model's constants; everything else (encoding, replay) happens outside.
 */
import { threadId } from 'node:worker_threads';
import { Z3Session } from './z3-session.js';
import { SOLVER_ERROR, isSolverFailure, type SolverTask, type SolverAnswer, type SolverReply } from './solver-task.js';

const session = await Z3Session.open();
async function check(task: Pick<SolverTask, 'smt' | 'workMs' | 'wallMs' | 'narrow' | 'tactic'>): Promise<SolverAnswer> {
  const quick = task.tactic === 'quick';
  const answer = await session.check(task.smt, { workMs: task.workMs, quick, ...(task.wallMs === undefined ? {} : { wallMs: task.wallMs }), ...(task.narrow === undefined ? {} : { narrow: task.narrow }) });
  // The quick tactic gives up in its own words ("failed to show goal…"); only the full solver's are sorted.
  if (answer.status === 'unknown' && !quick && isSolverFailure(answer.reason)) return { status: 'unknown', reason: `${SOLVER_ERROR}: z3 failed: ${answer.reason}` };
  return answer;
}

export default async function solve(task: SolverTask | { kind: 'warmup' } | { kind: 'version' }): Promise<SolverReply | string> {
  if (task.kind === 'warmup') {
    await check({ smt: '(declare-const x (_ BitVec 32))(assert (not (= (bvmul x #x00000008) (bvshl x #x00000003))))', workMs: 1000 });
    return { answer: { status: 'unsat' } };
  }
  if (task.kind === 'version') return session.version();
  let answer: SolverAnswer;
  try {
    answer = await check(task);
  } catch (error) {
    // z3 itself failed (seen once: "memory access out of bounds" inside its wasm): this instance is done.
    answer = { status: 'unknown', reason: `${SOLVER_ERROR}: ${error instanceof Error ? error.message : String(error)}` };
  }
  // A z3 that failed is done. One that ran out of its budget is not: each check has a context of its own, and
  // deleting it gives z3's memory back (its own count: 0.1 MiB after each of 24 factoring queries cut off at
  // their limit, against 11–12 MiB kept by one shared context).
  if (answer.status === 'unknown' && answer.reason.startsWith(SOLVER_ERROR)) return { answer, retireThread: threadId };
  return { answer };
}

process.on('exit', () => session.close());
