/** The verifier's public face: what the engine, the daemon and the benches use. */
export { Verifier, readIr, totals, type VerifierOptions, type VerifyModulesOptions, type ProofCache, type ProofMethod } from './verifier.js';
export { checkPair, type CheckOptions, type CheckResult, type CheckServices, type PairSide } from './checker.js';
export { ModuleContext } from './context.js';
export type { ProofEvidence } from './cache-key.js';
