// Names the calling thread as ps -L, top -H, perf and /proc show it (15 bytes at most). The agent's
// worker threads would otherwise all be "node", like V8's and libuv's helpers, and an operator
// asking which thread burns the CPU (or a benchmark splitting the agent's CPU per thread) could
// not tell them apart. A name is a convenience: where /proc is not there it is skipped.
import { writeFileSync } from 'node:fs';

export function nameThisThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // not Linux, or no /proc: the thread keeps its name
  }
}
