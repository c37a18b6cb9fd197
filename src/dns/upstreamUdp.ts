// The upstream leg over UDP: a small pool of sockets, each bound by the kernel to a random
// ephemeral port and retired after a number of queries so ports keep changing, and a random id
// per forwarded query. A message is accepted only from the server asked, with the id and the
// question of a query in flight on that socket; everything else is counted and dropped, and the
// query keeps waiting for the genuine answer until its timeout.
//
// Queries in flight are found by id in one fixed table (ids are unique across the pool) and
// swept for timeouts from one list, not kept in a Map per socket: a Map whose entries come and go
// with every query is rehashed as it grows and shrinks, and V8 links each outgrown table to the
// next, so one table that reached the old generation kept later ones, and the queries they held,
// alive into it (see udpSendBatch.ts).
import { createSocket, type Socket } from 'node:dgram';
import { randomFillSync, randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { SluiceError, errnoMessage } from '../errors.js';
import { checkAnswer } from './answerCheck.js';
import { withId } from './message.js';
import type { WireMessage, WireQuestion } from './wire.js';
import type { UdpSendBatch } from './udpSendBatch.js';
import { openBoundSocket } from './boundSockets.js';
import { threadRecvBatch } from './udpRecvBatch.js';

export interface UpstreamAnswer {
  raw: Buffer;
  packet: WireMessage;
}

export interface UpstreamCounters {
  /** Messages from the wrong address, with an unknown id or a different question. */
  spoofed: number;
  timeouts: number;
}

/** A query in flight; once settled it only waits (emptied) for the next sweep to drop it. */
class Pending {
  settled = false;
  constructor(
    readonly id: number,
    readonly pooled: PooledSocket,
    readonly server: string,
    readonly port: number,
    public question: WireQuestion | undefined,
    public resolve: ((answer: UpstreamAnswer) => void) | undefined,
    public reject: ((err: SluiceError) => void) | undefined,
    /** performance.now() past which the query times out. */
    readonly deadline: number,
    readonly timeoutMs: number,
  ) {}
}

interface PooledSocket {
  socket: Socket;
  fd: number;
  /** Queries in flight on this socket. */
  pending: number;
  uses: number;
  retired: boolean;
  /** Closed (a receive can close it: its last answer on a retired socket); its fd may be reused. */
  closed: boolean;
}

/** Query ids are 16 bits; as they are unique across the pool, so many can be in flight at most. */
const ID_SPACE = 65_536;

export interface UdpUpstreamOptions {
  sockets: number;
  /** A socket is replaced after this many queries, so its source port changes. */
  queriesPerSocket: number;
}

const SWEEP_MS = 25;

/** Random 16-bit query ids, drawn from the CSPRNG a few thousand at a time. */
class RandomIds {
  private readonly pool = new Uint16Array(4096);
  private at = this.pool.length;

  next(): number {
    if (this.at === this.pool.length) {
      randomFillSync(this.pool);
      this.at = 0;
    }
    return this.pool[this.at++]!;
  }
}

const normalizeAddress = (address: string) => address.replace(/^::ffff:/, '');
// equal texts first: the usual case, without the two copies normalizing makes
const sameAddress = (a: string, b: string) => a === b || normalizeAddress(a) === normalizeAddress(b);

export class UdpUpstream {
  readonly counters: UpstreamCounters = { spoofed: 0, timeouts: 0 };
  private readonly pools: Record<'udp4' | 'udp6', PooledSocket[]> = { udp4: [], udp6: [] };
  private readonly options: UdpUpstreamOptions;
  /** Every open socket, pooled or retired and still waiting for answers. */
  private readonly live = new Set<PooledSocket>();
  private readonly ids = new RandomIds();
  /** In flight, by query id. */
  private readonly byId: (Pending | undefined)[] = new Array<Pending | undefined>(ID_SPACE).fill(undefined);
  /** In flight, in the order sent, plus settled ones the next sweep drops. */
  private sent: Pending[] = [];
  private inFlight = 0;
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly sends: UdpSendBatch, options: Partial<UdpUpstreamOptions> = {}) {
    this.options = { sockets: 8, queriesPerSocket: 1000, ...options };
  }

  /** Sends `query` (its id is replaced) and resolves with the checked answer. */
  query(server: string, port: number, query: Buffer, question: WireQuestion, timeoutMs: number): Promise<UpstreamAnswer> {
    if (this.inFlight >= ID_SPACE) {
      return Promise.reject(new SluiceError('ERR_DNS_UPSTREAM', `forward ${question.name} to ${server}:${port}: ${ID_SPACE} queries in flight already`, { retriable: true }));
    }
    const pooled = this.pick(isIPv6(server) ? 'udp6' : 'udp4');
    let id = this.ids.next();
    while (this.byId[id] !== undefined) id = this.ids.next();
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      const pending = new Pending(id, pooled, server, port, question, resolve, reject, performance.now() + timeoutMs, timeoutMs);
      this.byId[id] = pending;
      this.sent.push(pending);
      pooled.pending++;
      this.inFlight++;
      this.sweep ??= setInterval(() => this.expire(), SWEEP_MS);
      this.sends.send(pooled.fd, withId(query, id), port, server, (e) => {
        if (pending.settled) return;
        this.settle(pending)?.(new SluiceError('ERR_DNS_UPSTREAM', `forward ${question.name} to ${server}:${port}: ${errnoMessage(e)}`, { retriable: true }));
      });
    });
  }

  /**
   * Timeouts, checked every SWEEP_MS by one timer while queries are in flight, rather than a
   * timer made and cleared for every query. A query may wait up to SWEEP_MS past its timeout.
   */
  private expire(): void {
    const now = performance.now();
    // compacted in place: the list keeps its backing store from sweep to sweep
    const sent = this.sent;
    let kept = 0;
    for (let i = 0; i < sent.length; i++) {
      const p = sent[i]!;
      if (p.settled) continue;
      if (p.deadline > now) {
        sent[kept++] = p;
        continue;
      }
      const { question } = p;
      this.counters.timeouts++;
      this.settle(p)?.(new SluiceError('ERR_DNS_UPSTREAM_TIMEOUT', `forward ${question!.name} ${question!.type} to ${p.server}:${p.port}: no answer in ${p.timeoutMs} ms`, { retriable: true }));
    }
    sent.length = kept;
    if (this.inFlight === 0) {
      clearInterval(this.sweep);
      this.sweep = undefined;
    }
  }

  /**
   * The query is over (answered, failed or timed out): out of the table, and emptied so the
   * sweep list holds nothing of it; returns its reject for the caller to fail it with.
   */
  private settle(p: Pending): ((err: SluiceError) => void) | undefined {
    const { reject } = p;
    p.settled = true;
    p.question = undefined;
    p.resolve = undefined;
    p.reject = undefined;
    if (this.byId[p.id] === p) this.byId[p.id] = undefined;
    p.pooled.pending--;
    this.inFlight--;
    this.closeIfDrained(p.pooled);
    return reject;
  }

  close(): void {
    clearInterval(this.sweep);
    this.sweep = undefined;
    // queries in flight are dropped with their sockets, retired ones too
    for (const pooled of [...this.live]) this.closeSocket(pooled);
    this.byId.fill(undefined);
    this.sent = [];
    this.inFlight = 0;
    this.pools.udp4.length = 0;
    this.pools.udp6.length = 0;
  }

  private pick(type: 'udp4' | 'udp6'): PooledSocket {
    const pool = this.pools[type];
    const slot = randomInt(0, this.options.sockets);
    let pooled = pool[slot];
    if (pooled === undefined || pooled.uses >= this.options.queriesPerSocket) {
      if (pooled !== undefined) {
        pooled.retired = true;
        this.closeIfDrained(pooled);
      }
      pooled = this.open(type);
      pool[slot] = pooled;
    }
    pooled.uses++;
    return pooled;
  }

  private open(type: 'udp4' | 'udp6'): PooledSocket {
    // bound here (port 0: the kernel picks a random ephemeral port) so the fd is known to the
    // send batch; node:dgram takes the same fd for receiving
    const fd = openBoundSocket('udp', type === 'udp6' ? '::' : '0.0.0.0', 0);
    const socket = createSocket(type);
    const pooled: PooledSocket = { socket, fd, pending: 0, uses: 0, retired: false, closed: false };
    this.live.add(pooled);
    // one datagram from node:dgram, the rest of the queue with recvmmsg (udpRecvBatch.ts)
    const recv = threadRecvBatch();
    const onDatagram = (message: Buffer, address: string, port: number) => this.receive(pooled, message, address, port);
    const open = () => !pooled.closed;
    socket.on('message', (message, rinfo) => {
      this.receive(pooled, message, rinfo.address, rinfo.port);
      if (open()) recv.drain(fd, onDatagram, open);
    });
    // A send error (ICMP unreachable) also arrives here; the query then ends by its timeout.
    socket.on('error', () => undefined);
    socket.bind({ fd });
    return pooled;
  }

  private receive(pooled: PooledSocket, message: Buffer, address: string, port: number): void {
    const id = message.length >= 2 ? message.readUInt16BE(0) : -1;
    const pending = id >= 0 ? this.byId[id] : undefined;
    if (pending === undefined || pending.pooled !== pooled || port !== pending.port || !sameAddress(address, pending.server)) {
      this.counters.spoofed++;
      return;
    }
    const checked = checkAnswer(message, id, pending.question!);
    if (!checked.ok) {
      this.counters.spoofed++;
      return;
    }
    const { resolve } = pending;
    this.settle(pending);
    resolve!({ raw: message, packet: checked.packet });
  }

  /** Only on close() with queries in flight, or once a retired socket has none left. */
  private closeSocket(pooled: PooledSocket): void {
    pooled.closed = true;
    this.live.delete(pooled);
    this.sends.forget(pooled.fd);
    pooled.socket.close();
  }

  private closeIfDrained(pooled: PooledSocket): void {
    if (pooled.retired && pooled.pending === 0) this.closeSocket(pooled);
  }
}
