// Flows for the Kafka benchmark from a real BPF ring buffer: bench_fill (bpf/bench.bpf.c, run with
// BPF_PROG_TEST_RUN) writes flow events into the ring in the kernel, the zero-copy RingReader
// reads and decodes them, as the agent's flow reader does. The kernel's filling runs on the
// benchmark's own thread and is inside the measured time.
import { randomBytes } from 'node:crypto';
import { rmdirSync } from 'node:fs';
import { BpfObject } from '../datapath/bpfObject.js';
import { decodeFlowEvent, type FlowEvent } from '../datapath/decode/flowEvent.js';
import { RingReader } from '../datapath/ringReader.js';
import type { FlowSourceFn } from './kafkaFlowSource.js';
import { benchObjectPath, Producer } from './ringbuf.js';

const RING_BYTES = 16 * 1024 * 1024;
/** Events per fill and per yielded batch (72 ring bytes each: far under the ring's size). */
const BATCH = 4096;

export interface RingFlowSource {
  source: FlowSourceFn;
  close(): void;
}

export function openRingFlowSource(): RingFlowSource {
  const pinRoot = `/sys/fs/bpf/sluice-bench-kafka-${randomBytes(4).toString('hex')}`;
  const obj = BpfObject.load({ objectPath: benchObjectPath, pinRoot, maxEntries: { bench_events: RING_BYTES } });
  const reader = new RingReader(obj.map('bench_events').fd, RING_BYTES);
  const producer = new Producer(obj);
  function* source(total: number): Generator<FlowEvent[]> {
    for (let sent = 0; sent < total; sent += BATCH) {
      const n = Math.min(BATCH, total - sent);
      producer.fill(n);
      const batch: FlowEvent[] = [];
      reader.drain((view, offset, length) => batch.push(decodeFlowEvent(view, offset, length)));
      if (batch.length !== n) throw new Error(`ring source: read ${batch.length} of ${n} events`);
      yield batch;
    }
  }
  return {
    source,
    close() {
      reader.close();
      obj.close();
      try {
        rmdirSync(pinRoot);
      } catch {
        // nothing was pinned there, or it is gone already
      }
    },
  };
}
