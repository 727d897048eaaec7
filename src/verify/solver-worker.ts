/**
 * A z3 worker thread: one z3 instance, one check at a time. It only parses SMT-LIB text, checks it, and
 * reads back the model's constants; everything else (encoding, replay) happens outside.
 */
import { threadId } from 'node:worker_threads';
import { Z3Session } from './z3-session.js';
import { SOLVER_ERROR, isSolverFailure, type SolverTask, type SolverAnswer, type SolverReply } from './solver-task.js';

const session = await Z3Session.open();
/** See solve: a thread's z3 is replaced after this many checks that ended unknown. */
const TIMEOUTS_BEFORE_RETIRING = 16;
let timeouts = 0;

async function check(smt: string, timeoutMs: number, quick = false): Promise<SolverAnswer> {
  const answer = await session.check(smt, { timeoutMs, quick });
  // The quick tactic gives up in its own words ("failed to show goal…"); only the full solver's are sorted.
  if (answer.status === 'unknown' && !quick && isSolverFailure(answer.reason)) return { status: 'unknown', reason: `${SOLVER_ERROR}: z3 failed: ${answer.reason}` };
  return answer;
}

export default async function solve(task: SolverTask | { kind: 'warmup' } | { kind: 'version' }): Promise<SolverReply | string> {
  if (task.kind === 'warmup') {
    await check('(declare-const x (_ BitVec 32))(assert (not (= (bvmul x #x00000008) (bvshl x #x00000003))))', 1000);
    return { answer: { status: 'unsat' } };
  }
  if (task.kind === 'version') return session.version();
  let answer: SolverAnswer;
  const started = performance.now();
  try {
    answer = await answerOf(task);
  } catch (error) {
    // z3 itself failed (seen once: "memory access out of bounds" inside its wasm): this instance is done.
    answer = { status: 'unknown', reason: `${SOLVER_ERROR}: ${error instanceof Error ? error.message : String(error)}` };
  }
  answer.ms = performance.now() - started;
  if (answer.status !== 'unknown' || (task.tactic === 'quick' && !answer.reason.startsWith(SOLVER_ERROR))) return { answer };
  // A z3 that failed is done. One that timed out answers the next query as fast as a fresh one (measured:
  // a 1.5 s timeout on factoring, then an easy query in 5–40 ms, twelve times over), but keeps ~4 MB of its
  // wasm heap each time: it is replaced after TIMEOUTS_BEFORE_RETIRING of them, not after each (a replacement
  // costs ~1.3 s of a thread's start-up and a cold JIT).
  if (answer.reason.startsWith(SOLVER_ERROR) || ++timeouts >= TIMEOUTS_BEFORE_RETIRING) return { answer, retireThread: threadId };
  return { answer };
}

async function answerOf(task: SolverTask): Promise<SolverAnswer> {
  const started = performance.now();
  const first = await check(task.smt, task.timeoutMs, task.tactic === 'quick');
  // A model with a small memory replays cheaply: ask for one first, fall back to any model.
  if (first.status === 'sat' && task.narrow) {
    const remaining = Math.round(Math.max(100, task.timeoutMs - (performance.now() - started)));
    const narrowed = await check(`${task.smt.replace(/\(check-sat\)\s*$/, '')}${task.narrow}\n(check-sat)\n`, remaining);
    if (narrowed.status === 'sat') return narrowed;
  }
  return first;
}

process.on('exit', () => session.close());
