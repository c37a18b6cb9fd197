// The receiving half of batched UDP I/O (udpSendBatch.ts is the sending half). node:dgram hands
// over one datagram per callback, with a 64 KiB allocation shrunk to size, an address object and
// a trip through the event loop's callback machinery each. The proxy's sockets stay with
// node:dgram, whose callback says "this socket is readable", and each callback then takes
// everything else already queued with one recvmmsg: a busy socket is emptied in one call per 64
// datagrams, a quiet one costs a single extra call that finds nothing.
//
// A Node relay measured on this machine (dnsperf from a pod, the relay in the node namespace):
// 81-87k queries/s with one dgram callback per datagram, 150k with the callback plus recvmmsg.
import koffi from 'koffi';
import { SluiceError } from '../errors.js';
import { errno, libc } from '../datapath/ffi/libc.js';

const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const EINTR = 4;
const AF_INET = 2;
const AF_INET6 = 10;
/** Datagrams per recvmmsg call. */
const BATCH = 64;
/** Room for any UDP payload, so nothing is cut (MSG_TRUNC would drop the rest of a datagram). */
const SLOT = 65_536;
const MMSGHDR = 64; // struct mmsghdr: msghdr (56) + msg_len (4) + padding
const IOVEC = 16;
const SOCKADDR = 28; // sockaddr_in6
/** Rounds of BATCH per drain: a socket that never empties must not hold the thread forever. */
const MAX_ROUNDS = 8;

export type OnDatagram = (message: Buffer, address: string, port: number) => void;

export interface UdpRecvCounters {
  received: number;
  /** recvmmsg calls that found something. */
  calls: number;
  /** Datagrams longer than a slot: cut by the kernel, so dropped here. */
  truncated: number;
}

const always = () => true;

/** IPv4 texts by address, for the few clients and servers a proxy hears from. */
const v4Texts = new Map<number, string>();

function v4Text(buf: Buffer, at: number): string {
  const key = buf.readUInt32BE(at);
  let text = v4Texts.get(key);
  if (text === undefined) {
    if (v4Texts.size >= 4096) v4Texts.clear();
    v4Texts.set(key, (text = `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`));
  }
  return text;
}

/** An IPv6 address as node:dgram reports it (libuv's inet_ntop: '::ffff:a.b.c.d' for mapped ones). */
export function v6Text(buf: Buffer, at: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(buf.readUInt16BE(at + i * 2));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestLength < 2) bestStart = -1;
  // an IPv4-mapped or -compatible address ends in dotted quad, as inet_ntop writes it
  if (bestStart === 0 && (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))) {
    return `::${bestLength === 5 ? 'ffff:' : ''}${buf[at + 12]}.${buf[at + 13]}.${buf[at + 14]}.${buf[at + 15]}`;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += words[i]!.toString(16);
  }
  return text;
}

/**
 * One arena for every socket of a thread (see threadRecvBatch): a drain copies each datagram out
 * before it returns, so nothing in the arena outlives the call.
 */
export class UdpRecvBatch {
  readonly counters: UdpRecvCounters = { received: 0, calls: 0, truncated: 0 };
  private arena: Buffer | undefined;
  private headers!: Buffer;

  /**
   * Takes what is queued on `fd` (non-blocking) and calls `onDatagram` for each; returns how many.
   * `open` is asked before each further recvmmsg: a datagram's handler may close the socket (an
   * upstream socket's last answer), and its fd number may then belong to another socket.
   */
  drain(fd: number, onDatagram: OnDatagram, open: () => boolean = always): number {
    const arena = this.arena ?? this.setUp();
    const c = libc();
    let total = 0;
    for (let round = 0; round < MAX_ROUNDS && (round === 0 || open()); round++) {
      this.arm(arena);
      const n = c.recvmmsg(fd, this.headers, BATCH, MSG_DONTWAIT, null) as number;
      if (n < 0 && errno() === EINTR) continue;
      // EAGAIN: empty; any other error (the socket closing) ends the drain too
      if (n <= 0) break;
      this.counters.calls++;
      for (let i = 0; i < n; i++) {
        const h = BATCH * SLOT + i * MMSGHDR;
        if ((arena.readInt32LE(h + 48) & MSG_TRUNC) !== 0) {
          this.counters.truncated++;
          continue;
        }
        const sa = BATCH * (SLOT + MMSGHDR + IOVEC) + i * SOCKADDR;
        const family = arena.readUInt16LE(sa);
        if (family !== AF_INET && family !== AF_INET6) continue;
        const len = arena.readUInt32LE(h + 56);
        // a pooled copy for small messages (Buffer.allocUnsafe), as node:dgram's would be its own
        const message = Buffer.allocUnsafe(len);
        arena.copy(message, 0, i * SLOT, i * SLOT + len);
        const address = family === AF_INET ? v4Text(arena, sa + 4) : v6Text(arena, sa + 8);
        this.counters.received++;
        total++;
        onDatagram(message, address, arena.readUInt16BE(sa + 2));
      }
      if (n < BATCH) break;
    }
    return total;
  }

  private setUp(): Buffer {
    // slots | mmsghdrs | iovecs | sockaddrs
    const arena = Buffer.alloc(BATCH * (SLOT + MMSGHDR + IOVEC + SOCKADDR));
    const base = Number(koffi.address(arena) as unknown as bigint);
    if (!Number.isSafeInteger(base)) throw new SluiceError('ERR_INTERNAL', `recvmmsg arena at an address past 2^53: ${String(koffi.address(arena))}`);
    const u64 = (value: number, at: number) => {
      arena.writeUInt32LE(value % 0x1_0000_0000, at);
      arena.writeUInt32LE(Math.floor(value / 0x1_0000_0000), at + 4);
    };
    const hdrAt = BATCH * SLOT;
    const iovAt = hdrAt + BATCH * MMSGHDR;
    const saAt = iovAt + BATCH * IOVEC;
    for (let i = 0; i < BATCH; i++) {
      u64(base + i * SLOT, iovAt + i * IOVEC);
      u64(SLOT, iovAt + i * IOVEC + 8);
      const h = hdrAt + i * MMSGHDR;
      u64(base + saAt + i * SOCKADDR, h); // msg_name
      u64(base + iovAt + i * IOVEC, h + 16); // msg_iov
      u64(1, h + 24); // msg_iovlen
    }
    this.headers = arena.subarray(hdrAt);
    this.arena = arena;
    return arena;
  }

  /** The kernel rewrites msg_namelen and msg_flags on every receive: reset them. */
  private arm(arena: Buffer): void {
    const hdrAt = BATCH * SLOT;
    for (let i = 0; i < BATCH; i++) {
      const h = hdrAt + i * MMSGHDR;
      arena.writeUInt32LE(SOCKADDR, h + 8); // msg_namelen
      arena.writeInt32LE(0, h + 48); // msg_flags
    }
  }
}

let shared: UdpRecvBatch | undefined;

/** The thread's batch (module state is per thread): its proxies and their upstream legs share the 4 MiB arena. */
export function threadRecvBatch(): UdpRecvBatch {
  shared ??= new UdpRecvBatch();
  return shared;
}
