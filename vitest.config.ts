import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests beside the code, and tests that need the kernel, namespaces,
// real DNS servers or the Kafka broker under test/. The second runs one file at a time: its
// files build namespaces and load BPF objects, and two of them at once would only fight for
// the two cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'system',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
