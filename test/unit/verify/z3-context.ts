import { afterAll, beforeAll } from 'vitest';
import { init, killThreads } from 'z3-solver';

type Z3 = Awaited<ReturnType<typeof init>>;
export type Z3Context = InstanceType<Z3['Context']>;

/** One z3 context for a test file, in process (these tests ask z3 directly, not through the solver pool). */
export function z3ContextForFile(): () => Z3Context {
  let z3: Z3;
  let ctx: Z3Context;
  beforeAll(async () => {
    z3 = await init();
    ctx = new z3.Context('main');
  });
  afterAll(() => killThreads(z3.em));
  return () => ctx;
}
