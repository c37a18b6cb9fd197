// CPU seconds a process has used (user + system, from /proc/PID/stat), so a benchmark can say
// what one query costs the agent and whether it ran out of CPU rather than of anything else.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SEC = 100; // USER_HZ on Linux

export function processCpuSeconds(pid: number): number {
  return cpuSecondsOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * CPU seconds of a process's threads by role: `main` (the thread whose id is the pid), each thread
 * named in `named` by its name (the agent names its workers, see threadName.ts), and all others
 * (V8's and libuv's helpers) summed as `helpers`.
 */
export function threadCpuSeconds(pid: number, named: readonly string[]): Record<string, number> {
  const out: Record<string, number> = { main: 0, helpers: 0 };
  for (const name of named) out[name] = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const path = `/proc/${pid}/task/${tid}`;
    try {
      const name = readFileSync(`${path}/comm`, 'utf8').trim();
      const role = Number(tid) === pid ? 'main' : named.includes(name) ? name : 'helpers';
      out[role]! += cpuSecondsOf(readFileSync(`${path}/stat`, 'utf8'));
    } catch {
      // the thread ended while we looked
    }
  }
  return out;
}

function cpuSecondsOf(stat: string): number {
  // fields after the command name, which may itself contain spaces and parentheses
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
}
