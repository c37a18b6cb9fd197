import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { processCpuSeconds, threadCpuSeconds } from './processCpu.js';

// a worker that names itself (as threadName.ts does), burns ~300 ms of CPU, then waits to be ended
const burner = `
require('node:fs').writeFileSync('/proc/thread-self/comm', 'test-burner');
const until = Date.now() + 300;
while (Date.now() < until);
require('node:worker_threads').parentPort.postMessage('done');
`;

describe('bench > processCpu', () => {
  it('splits a process CPU by thread: main, named threads, the unnamed helpers', async () => {
    const worker = new Worker(burner, { eval: true });
    try {
      await new Promise((resolve) => worker.once('message', resolve));
      const threads = threadCpuSeconds(process.pid, ['test-burner', 'not-running']);
      expect(threads['test-burner']).toBeGreaterThanOrEqual(0.2);
      expect(threads.main).toBeGreaterThan(0);
      expect(Object.keys(threads).sort()).toEqual(['helpers', 'main', 'not-running', 'test-burner']);
      expect(threads['not-running']).toBe(0);
      // threads that ended earlier count in the process total only
      expect(Object.values(threads).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(processCpuSeconds(process.pid) + 0.02);
    } finally {
      await worker.terminate();
    }
  });
});
