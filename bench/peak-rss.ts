import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Peak resident memory of a process over a stretch of time, from Linux's own high-water mark: VmHWM in
 * /proc/PID/status, which writing 5 to /proc/PID/clear_refs resets to the current RSS. Workers are threads,
 * so a daemon's figure includes every worker. Elsewhere (or without permission) both return undefined.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export function peakRssBytes(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}
