import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nameThisThread } from './threadName.js';

describe('threadName', () => {
  it('names the calling thread in /proc, cut to the 15 bytes the kernel keeps', () => {
    const comm = () => readFileSync('/proc/thread-self/comm', 'utf8').trim();
    const before = comm();
    try {
      nameThisThread('sluice-a-long-thread-name');
      expect(comm()).toBe('sluice-a-long-t');
    } finally {
      nameThisThread(before);
    }
  });
});
