import type binaryenNs from 'binaryen';
import { expressionEdit } from '../wasm/expression-edit.js';

type Binaryen = typeof binaryenNs;

/**
 * Test-only miscompile: the engine accepts the option only when ATOLL_TEST_HOOKS=1 (see engine/options).
 * Corrupts one function observably: a result gets +1 (i32/i64), otherwise the body is made to trap first.
 * Strict mode must refute this and keep it out of the output.
 */
export function plantFault(binaryen: Binaryen, module: binaryenNs.Module, functionName: string): void {
  const func = module.getFunction(functionName);
  if (!func) throw new Error(`planted fault: no function named ${functionName}`);
  const info = binaryen.getFunctionInfo(func);
  if (!info.body) throw new Error(`planted fault: ${functionName} is an import`);
  const body = info.body;
  let corrupted: number;
  if (info.results === binaryen.i32) {
    corrupted = module.i32.add(body, module.i32.const(1));
  } else if (info.results === binaryen.i64) {
    corrupted = module.i64.add(body, module.i64.const(1n));
  } else {
    corrupted = module.block(null, [module.unreachable(), body], info.results);
  }
  expressionEdit(binaryen).Function.setBody(func, corrupted);
}
