/**
 * A binaryen worker thread. binaryen prints validation errors, assertion dumps and `print*` output through
 * console; in a daemon serving JSON-RPC over stdio that would corrupt the protocol, so console is captured
 * here before binaryen loads (it binds console at load time) and the last lines are kept for error messages.
 */
const captured: string[] = [];
const capture = (...parts: unknown[]) => {
  captured.push(parts.map(String).join(' '));
  if (captured.length > 200) captured.splice(0, captured.length - 200);
};
console.log = capture;
console.error = capture;
console.warn = capture;
console.info = capture;

const { runBinaryenTask } = await import('./binaryen-handlers.js');
const { carryingAtollErrors } = await import('../util/worker-errors.js');

export default function (task: Parameters<typeof runBinaryenTask>[0]) {
  captured.length = 0;
  return carryingAtollErrors(() => runBinaryenTask(task, () => captured.slice(-20).join('\n')));
}
