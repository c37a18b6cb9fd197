// The zero-copy ring buffer reader. It maps the BPF ring's pages into this process and reads
// records in place from JavaScript, advancing the consumer position itself: no FFI call per
// event. Between bursts it sleeps in epoll_wait on a libuv worker thread (koffi async call).
//
// Layout from kernel/bpf/ringbuf.c: page 0 holds consumer_pos (the only page we write); page 1
// holds producer_pos; the data area follows and is mapped twice in a row, so a record that wraps
// around the end is still contiguous. Each record starts with an 8-byte header
// (struct bpf_ringbuf_hdr: u32 len with BUSY and DISCARD bits, u32 pg_off).
import koffi from 'koffi';
import { SluiceError, errnoMessage } from '../errors.js';
import { libc, errno, PROT_READ, PROT_WRITE, MAP_SHARED, EPOLL_CTL_ADD, EPOLLIN } from './ffi/libc.js';
import type { Pointer } from './ffi/libbpf.js';

const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const HEADER = 8;

/** Called for each record in place; the view is only valid during the call. */
export type RecordFn = (view: DataView, offset: number, length: number) => void;

export class RingReader {
  private readonly pageSize: number;
  private readonly consumerMem: Pointer;
  private readonly producerMem: Pointer;
  private readonly consumerPos: BigUint64Array;
  private readonly producerPos: BigUint64Array;
  private readonly header: Uint32Array;
  readonly data: DataView;
  private readonly mask: number;
  private readonly dataOffset: number;
  private epfd = -1;
  private closed = false;

  constructor(readonly mapFd: number, readonly sizeBytes: number) {
    const c = libc();
    this.pageSize = c.getpagesize() as number;
    if (sizeBytes <= 0 || (sizeBytes & (sizeBytes - 1)) !== 0 || sizeBytes % this.pageSize !== 0) {
      throw new SluiceError('ERR_RINGBUF', `ring size ${sizeBytes}: must be a power of two and a multiple of the page size`);
    }
    this.consumerMem = c.mmap(null, this.pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, 0);
    if (koffi.address(this.consumerMem) === 0xffffffffffffffffn) {
      throw new SluiceError('ERR_RINGBUF', `map ring consumer page: ${errnoMessage(errno())}`);
    }
    const producerLen = this.pageSize + 2 * sizeBytes;
    this.producerMem = c.mmap(null, producerLen, PROT_READ, MAP_SHARED, mapFd, this.pageSize);
    if (koffi.address(this.producerMem) === 0xffffffffffffffffn) {
      c.munmap(this.consumerMem, this.pageSize);
      throw new SluiceError('ERR_RINGBUF', `map ring data pages: ${errnoMessage(errno())}`);
    }
    this.consumerPos = new BigUint64Array(koffi.view(this.consumerMem, this.pageSize), 0, 1);
    const producer = koffi.view(this.producerMem, producerLen);
    this.producerPos = new BigUint64Array(producer, 0, 1);
    this.header = new Uint32Array(producer);
    this.data = new DataView(producer);
    this.mask = sizeBytes - 1;
    this.dataOffset = this.pageSize;
  }

  /** Bytes written by the kernel and not yet read. */
  pending(): number {
    return Number(Atomics.load(this.producerPos, 0) - Atomics.load(this.consumerPos, 0));
  }

  /**
   * Reads every committed record (at most `max`) and hands each to `fn` in place.
   * Returns the number of records read (discarded ones are skipped and not counted).
   */
  drain(fn: RecordFn, max = Number.MAX_SAFE_INTEGER): number {
    // acquire loads: the kernel publishes producer_pos after the record's header
    let cons = Number(Atomics.load(this.consumerPos, 0));
    const prod = Number(Atomics.load(this.producerPos, 0));
    let n = 0;
    const base = this.dataOffset;
    while (cons < prod && n < max) {
      const off = base + (cons & this.mask);
      const len = Atomics.load(this.header, off >>> 2);
      if (len & BUSY) break;
      const size = len & ~(BUSY | DISCARD);
      if (!(len & DISCARD)) {
        fn(this.data, off + HEADER, size);
        n++;
      }
      cons += (size + HEADER + 7) & ~7;
    }
    // release store: the kernel may reuse the space once it sees the new position
    Atomics.store(this.consumerPos, 0, BigInt(cons));
    return n;
  }

  /** Resolves when the ring has data or after `timeoutMs`; sleeps on a worker thread. */
  wait(timeoutMs: number): Promise<void> {
    const c = libc();
    if (this.epfd < 0) {
      this.epfd = c.epoll_create1(0) as number;
      if (this.epfd < 0) throw new SluiceError('ERR_RINGBUF', `epoll_create1: ${errnoMessage(errno())}`);
      const ev = Buffer.alloc(12);
      ev.writeUInt32LE(EPOLLIN, 0);
      if ((c.epoll_ctl(this.epfd, EPOLL_CTL_ADD, this.mapFd, ev) as number) < 0) {
        throw new SluiceError('ERR_RINGBUF', `epoll_ctl ring fd: ${errnoMessage(errno())}`);
      }
    }
    const out = Buffer.alloc(12);
    return new Promise((resolve, reject) => {
      c.epoll_wait.async(this.epfd, out, 1, timeoutMs, (err: unknown) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const c = libc();
    c.munmap(this.consumerMem, this.pageSize);
    c.munmap(this.producerMem, this.pageSize + 2 * this.sizeBytes);
    if (this.epfd >= 0) c.close(this.epfd);
  }
}
