import type { VerifyReport } from '../protocol/report.js';
import { verifyModulePair } from '../verify/module-pair.js';
import type { VerifyModulesTask } from './binaryen-tasks.js';
import { checkServicesOver, workerServicesOver } from './services.js';

/**
 * The worker's side of `atoll verify`: both modules are read, paired and checked here, on a binaryen worker,
 * so that nothing that grows with a module (IR, SMT text, run harnesses) is built on the daemon's main thread;
 * z3 and the proof cache are asked over the task's port. Each check is announced as it starts and ends (see
 * CheckEvent), so that when this thread dies (out of memory) the sender knows which check it was in.
 */
export async function verifyModulesTask(task: VerifyModulesTask): Promise<VerifyReport> {
  const services = workerServicesOver(task.port);
  try {
    return await verifyModulePair(task.base, task.candidate, checkServicesOver(services, task.z3Version), {
      featureFlags: task.flags,
      concurrency: task.concurrency,
      ...(task.sameLineage ? { sameLineage: true } : {}),
      ...(task.timeoutMs ? { timeoutMs: task.timeoutMs } : {}),
      ...(task.functionTimeMs ? { functionTimeMs: task.functionTimeMs } : {}),
      ...(task.settled ? { settled: new Map(task.settled.map((v) => [v.name, v])) } : {}),
      onPlanned: (names) => services.checked?.({ kind: 'planned', names }),
      onStarted: (name) => {
        services.checked?.({ kind: 'started', name });
        if (name === task.plantMemoryExhaustion) exhaustMemory();
      },
      onChecked: (verdict, done, total) => services.checked?.({ kind: 'checked', verdict, done, total }),
    });
  } finally {
    services.close();
  }
}

/** What a check that never stops allocating does (tests only): grow the heap until the thread is ended. */
function exhaustMemory(): never {
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array<number>(1 << 20).fill(hoard.length));
}
