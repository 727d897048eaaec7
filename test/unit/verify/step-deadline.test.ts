import { describe, expect, it } from 'vitest';
import { readIr } from '../../../src/verify/index.js';
import { checkStepFunctions, type PassStep } from '../../../src/verify/pass-step.js';
import { FEATURES, wat } from './pair.js';
import { checkServicesForFile } from './z3-session.js';

/**
 * A step's checks under a job's time budget (StepCheckOptions.deadline): none starts after it, and the
 * functions left are unknown, so a strict pipeline sends them back unchecked instead of waiting on them.
 */
const services = checkServicesForFile();

const module = (body: string) => wat(`(module (func $f (export "f") (param i32) (result i32) ${body}))`);

function step(): PassStep {
  const pre = module('(i32.mul (local.get 0) (i32.const 8))');
  const post = module('(i32.shl (local.get 0) (i32.const 3))');
  return { pass: 'optimize-instructions', pre: readIr(pre, FEATURES), post: readIr(post, FEATURES), changed: ['f'], added: [], removed: [], preBytes: () => pre, postBytes: () => post };
}

describe('the checks of a step under a deadline', () => {
  it('start none past the deadline: what is left is unknown, not checked', async () => {
    const [late] = await checkStepFunctions(step(), services(), { featureFlags: FEATURES, deadline: Date.now() - 1 });
    expect(late!.verdict).toEqual({ status: 'unknown', reason: 'timeout', detail: 'not checked: the time budget ran out' });
    const [checked] = await checkStepFunctions(step(), services(), { featureFlags: FEATURES, deadline: Date.now() + 3_600_000 });
    expect(checked!.verdict.status).toBe('proved');
  });
});
