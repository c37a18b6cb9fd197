// Datagrams queued during one event-loop turn and sent with one sendmmsg per socket when the
// turn ends. Under load a proxy reply or forwarded query sent on its own costs a system call,
// node:dgram's per-send bookkeeping and, above all, waking the receiver each time; in a batch the
// receiver is woken once. The messages are copied into one arena whose address the kernel reads
// the msghdr/iovec/sockaddr arrays from; nothing is kept once sendmmsg returns.
import { errno, libc } from '../datapath/ffi/libc.js';
import { writeAddress } from '../datapath/maps/layout.js';
import { AF_INET, AF_INET6, EINTR, IOVEC, MMSGHDR, MSG_DONTWAIT, MSG_IOV, MSG_IOVLEN, MSG_NAME, MSG_NAMELEN, SOCKADDR, mmsgArena, writeU64 } from './mmsgLayout.js';

/** Messages per sendmmsg call (the kernel's UIO_MAXIOV caps vlen at 1024). */
const BATCH = 64;

/** Called when the kernel refused a datagram (errno, e.g. ENETUNREACH or ENOBUFS). */
export type SendFailed = (errno: number) => void;

interface Queued {
  message: Buffer;
  port: number;
  address: string;
  failed: SendFailed | undefined;
}

export interface UdpSendCounters {
  sent: number;
  failed: number;
  /** sendmmsg calls: sent / calls is the batch size the load made. */
  calls: number;
}

export class UdpSendBatch {
  readonly counters: UdpSendCounters = { sent: 0, failed: 0, calls: 0 };
  /**
   * Per socket: what this turn queued, and an empty array to swap in when it is sent. Kept across
   * turns: a Map whose keys come and go every turn is rehashed every turn, and V8 links each
   * outgrown table to the next, so one table that reached the old generation kept every later
   * table, and the datagrams they held, alive until a full collection.
   */
  private readonly queues = new Map<number, { queued: Queued[]; spare: Queued[] }>();
  private scheduled: NodeJS.Immediate | undefined;
  private arena: Buffer = Buffer.alloc(0);
  private arenaAddress = 0;
  /** Parsed address bytes by text, so a busy client or server is parsed once. */
  private readonly addressBytes = new Map<string, { family: number; bytes: Buffer }>();

  /** Queues a datagram for `fd`; it leaves when this turn of the event loop ends. */
  send(fd: number, message: Buffer, port: number, address: string, failed?: SendFailed): void {
    let queue = this.queues.get(fd);
    if (queue === undefined) this.queues.set(fd, (queue = { queued: [], spare: [] }));
    queue.queued.push({ message, port, address, failed });
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Sends everything queued now. */
  flush(): void {
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    for (const [fd, queue] of this.queues) {
      const sending = queue.queued;
      if (sending.length === 0) continue;
      // swapped first: a failure callback that sends again queues for the next turn
      queue.queued = queue.spare;
      for (let at = 0; at < sending.length; at += BATCH) this.sendSome(fd, sending, at, Math.min(sending.length, at + BATCH));
      sending.length = 0;
      queue.spare = sending;
    }
  }

  /** Drops what is queued for `fd` (its socket is being closed). */
  forget(fd: number): void {
    this.queues.delete(fd);
  }

  /** Sends queue[from, to) with sendmmsg. */
  private sendSome(fd: number, queue: Queued[], from: number, to: number): void {
    const n = to - from;
    const headerBytes = n * (MMSGHDR + IOVEC + SOCKADDR);
    let dataBytes = 0;
    for (let i = from; i < to; i++) dataBytes += queue[i]!.message.length;
    this.ensureArena(headerBytes + dataBytes);
    const arena = this.arena;
    const base = this.arenaAddress;
    const iovAt = n * MMSGHDR;
    const saAt = iovAt + n * IOVEC;
    let dataAt = headerBytes;
    for (let i = 0; i < n; i++) {
      const q = queue[from + i]!;
      const sa = saAt + i * SOCKADDR;
      const saLen = this.writeSockaddr(arena, sa, q.address, q.port);
      q.message.copy(arena, dataAt);
      const iov = iovAt + i * IOVEC;
      writeU64(arena, base + dataAt, iov);
      writeU64(arena, q.message.length, iov + 8);
      const h = i * MMSGHDR;
      arena.fill(0, h, h + MMSGHDR);
      writeU64(arena, base + sa, h + MSG_NAME);
      arena.writeUInt32LE(saLen, h + MSG_NAMELEN);
      writeU64(arena, base + iov, h + MSG_IOV);
      writeU64(arena, 1, h + MSG_IOVLEN);
      dataAt += q.message.length;
    }
    const c = libc();
    let done = 0;
    while (done < n) {
      this.counters.calls++;
      const sent = c.sendmmsg(fd, arena.subarray(done * MMSGHDR), n - done, MSG_DONTWAIT) as number;
      if (sent > 0) {
        done += sent;
        this.counters.sent += sent;
        continue;
      }
      const e = errno();
      if (sent < 0 && e === EINTR) continue;
      // The first message left was refused: report it and go on with the rest.
      this.counters.failed++;
      queue[from + done]!.failed?.(e);
      done++;
    }
  }

  private ensureArena(bytes: number): void {
    if (this.arena.length >= bytes) return;
    const { arena, address } = mmsgArena(Math.max(bytes, 2 * this.arena.length, 64 * 1024), 'sendmmsg');
    this.arena = arena;
    this.arenaAddress = address;
  }

  private writeSockaddr(out: Buffer, at: number, address: string, port: number): number {
    let parsed = this.addressBytes.get(address);
    if (parsed === undefined) {
      const bytes = Buffer.alloc(16);
      const family = writeAddress(bytes, 0, address) === 4 ? AF_INET : AF_INET6;
      parsed = { family, bytes };
      if (this.addressBytes.size >= 4096) this.addressBytes.clear();
      this.addressBytes.set(address, parsed);
    }
    out.fill(0, at, at + SOCKADDR);
    out.writeUInt16LE(parsed.family, at);
    out.writeUInt16BE(port, at + 2);
    if (parsed.family === AF_INET) {
      parsed.bytes.copy(out, at + 4, 0, 4);
      return 16;
    }
    parsed.bytes.copy(out, at + 8, 0, 16);
    return 28;
  }
}
