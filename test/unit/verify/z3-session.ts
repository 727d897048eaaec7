import { afterAll, beforeAll } from 'vitest';
import type { Verdict } from '../../../src/protocol/report.js';
import type { CheckServices } from '../../../src/verify/checker.js';
import { jobVerdicts } from '../../../src/verify/proof-cache.js';
import { SolverPool } from '../../../src/verify/solver-pool.js';
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

/** A checker's services for a test file: one warm solver thread and a verdict store of its own. */
export function checkServicesForFile(): () => CheckServices {
  let pool: SolverPool;
  let services: CheckServices;
  beforeAll(async () => {
    pool = new SolverPool(1);
    await pool.warmUp();
    services = { solve: (query) => pool.check(query), z3Version: await pool.z3Version(), verdicts: jobVerdicts(undefined, new Map<string, Verdict>()) };
  });
  afterAll(() => pool.close());
  return () => services;
}
