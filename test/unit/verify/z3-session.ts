import { afterAll, beforeAll } from 'vitest';
import { Z3Session } from '../../../src/verify/z3-session.js';

/** One z3 session for a test file, in process (these tests ask z3 directly, not through the solver pool). */
export function z3SessionForFile(): () => Z3Session {
  let session: Z3Session;
  beforeAll(async () => {
    session = await Z3Session.open();
  });
  afterAll(() => session.close());
  return () => session;
}
