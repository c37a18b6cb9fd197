// Benchmark: the zero-copy ring reader against libbpf's ring_buffer__consume with a koffi
// callback, on the same ring, the same events, decoded into the same FlowEvents. A BPF program
// (bpf/bench.bpf.c, run with BPF_PROG_TEST_RUN) fills the ring; only the reading is timed.
import koffi from 'koffi';
import { fileURLToPath } from 'node:url';
import { rmdirSync } from 'node:fs';
import { BpfObject } from '../datapath/bpfObject.js';
import { RingReader } from '../datapath/ringReader.js';
import { libbpf } from '../datapath/ffi/libbpf.js';
import { decodeFlowEvent, type FlowEvent } from '../datapath/decode/flowEvent.js';
import { encodeU32 } from '../datapath/maps/layout.js';
import { SluiceError, errnoMessage } from '../errors.js';

export const benchObjectPath = fileURLToPath(new URL('../../bpf/.output/bench.bpf.o', import.meta.url));
const RING_BYTES = 64 * 1024 * 1024;
const BENCH_PIN_ROOT = '/sys/fs/bpf/sluice-bench';
/** Events per fill: 72 bytes each with the header, so 800k fit in the 64 MiB ring. */
const PER_FILL = 800_000;

export const resultName = 'ringbuf';

export interface RingbufResult {
  zeroCopyEventsPerSec: number;
  callbackEventsPerSec: number;
  zeroCopyOverCallback: number;
  eventsPerRound: number;
  rounds: number;
  /** The producer cycles through this many destination addresses (the decoder caches their text). */
  distinctDestinations: number;
  checksum: number;
}

/** Fills the bench ring with `count` flow events from bench_fill (BPF_PROG_TEST_RUN). */
export class Producer {
  private seq = 0;
  constructor(private readonly obj: BpfObject) {}

  fill(count: number): void {
    const bss = this.obj.map('.bss');
    const v = Buffer.alloc(bss.valueSize);
    v.writeUInt32LE(count, 0);
    v.writeUInt32LE(this.seq, 4);
    bss.update(encodeU32(0), v);
    this.seq += count;
    const pkt = Buffer.alloc(64);
    const opts = {
      sz: koffi.sizeof(libbpf().types.testRunOpts), data_in: pkt, data_out: null, data_size_in: pkt.length, data_size_out: 0,
      ctx_in: null, ctx_out: null, ctx_size_in: 0, ctx_size_out: 0, retval: 0, repeat: 1, duration: 0, flags: 0, cpu: 0, batch_size: 0,
    };
    const rc = libbpf().bpf_prog_test_run_opts(this.obj.programFd('bench_fill'), opts) as number;
    if (rc < 0) throw new SluiceError('ERR_BPF_LOAD', `bench fill: test run: ${errnoMessage(rc)}`);
    const failed = bss.lookup(encodeU32(0))!.readUInt32LE(8);
    if (failed > 0) throw new SluiceError('ERR_RINGBUF', `bench fill: ${failed} events did not fit the ring`);
  }
}

/** What both readers do with each event: decode it and fold a field in, so nothing is optimised away. */
function makeSink() {
  const state = { n: 0, checksum: 0 };
  const onEvent = (e: FlowEvent) => {
    state.n++;
    state.checksum = (state.checksum + e.dport + e.endpointId + e.dst.length) | 0;
  };
  return { state, onEvent };
}

function timeZeroCopy(producer: Producer, reader: RingReader, rounds: number) {
  const { state, onEvent } = makeSink();
  const onRecord = (view: DataView, offset: number, length: number) => onEvent(decodeFlowEvent(view, offset, length));
  let ns = 0n;
  for (let r = 0; r < rounds; r++) {
    producer.fill(PER_FILL);
    const t0 = process.hrtime.bigint();
    const n = reader.drain(onRecord);
    ns += process.hrtime.bigint() - t0;
    if (n !== PER_FILL) throw new Error(`zero-copy read ${n} of ${PER_FILL}`);
  }
  return { perSec: (state.n * 1e9) / Number(ns), checksum: state.checksum };
}

function timeCallback(producer: Producer, ringFd: number, rounds: number) {
  const lib = libbpf();
  const { state, onEvent } = makeSink();
  const cb = koffi.register((_ctx: unknown, data: unknown, size: number) => {
    onEvent(decodeFlowEvent(new DataView(koffi.view(data, size)), 0, size));
    return 0;
  }, koffi.pointer(lib.types.sampleFn));
  const rb = lib.ring_buffer__new(ringFd, cb, null, null);
  if (!rb) throw new SluiceError('ERR_RINGBUF', 'ring_buffer__new failed');
  let ns = 0n;
  try {
    for (let r = 0; r < rounds; r++) {
      producer.fill(PER_FILL);
      const t0 = process.hrtime.bigint();
      const n = lib.ring_buffer__consume(rb) as number;
      ns += process.hrtime.bigint() - t0;
      if (n !== PER_FILL) throw new Error(`callback read ${n} of ${PER_FILL}`);
    }
  } finally {
    lib.ring_buffer__free(rb);
    koffi.unregister(cb);
  }
  return { perSec: (state.n * 1e9) / Number(ns), checksum: state.checksum };
}

export async function run(options: { rounds?: number; callbackRounds?: number } = {}): Promise<RingbufResult> {
  const rounds = options.rounds ?? 10;
  const callbackRounds = options.callbackRounds ?? 2;
  const obj = BpfObject.load({ objectPath: benchObjectPath, pinRoot: BENCH_PIN_ROOT, maxEntries: { bench_events: RING_BYTES } });
  try {
    const producer = new Producer(obj);
    const ringFd = obj.map('bench_events').fd;
    const reader = new RingReader(ringFd, RING_BYTES);
    try {
      timeZeroCopy(producer, reader, 1); // warm up the JIT on the same code path
      const zc = timeZeroCopy(producer, reader, rounds);
      const cb = timeCallback(producer, ringFd, callbackRounds);
      return {
        zeroCopyEventsPerSec: Math.round(zc.perSec),
        callbackEventsPerSec: Math.round(cb.perSec),
        zeroCopyOverCallback: Math.round((zc.perSec / cb.perSec) * 10) / 10,
        eventsPerRound: PER_FILL,
        rounds,
        distinctDestinations: 256,
        checksum: zc.checksum,
      };
    } finally {
      reader.close();
    }
  } finally {
    obj.close();
    // the bench object pins nothing; its (empty) pin root goes too
    try {
      rmdirSync(BENCH_PIN_ROOT);
    } catch {
      // not empty or already gone
    }
  }
}
