// The upstream leg over UDP: a small pool of sockets, each bound by the kernel to a random
// ephemeral port and retired after a number of queries so ports keep changing, and a random id
// per forwarded query. A message is accepted only from the server asked, with the id and the
// question of a query in flight on that socket; everything else is counted and dropped, and the
// query keeps waiting for the genuine answer until its timeout.
import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { DecodedPacket, Question } from 'dns-packet';
import { SluiceError, errnoMessage } from '../errors.js';
import { checkAnswer } from './answerCheck.js';
import { withId } from './message.js';
import type { UdpSendBatch } from './udpSendBatch.js';
import { openBoundSocket } from './udpSockets.js';

export interface UpstreamAnswer {
  raw: Buffer;
  packet: DecodedPacket;
}

export interface UpstreamCounters {
  /** Messages from the wrong address, with an unknown id or a different question. */
  spoofed: number;
  timeouts: number;
}

interface Pending {
  server: string;
  port: number;
  question: Question;
  resolve(answer: UpstreamAnswer): void;
  timer: NodeJS.Timeout;
}

interface PooledSocket {
  socket: Socket;
  fd: number;
  pending: Map<number, Pending>;
  uses: number;
  retired: boolean;
}

export interface UdpUpstreamOptions {
  sockets: number;
  /** A socket is replaced after this many queries, so its source port changes. */
  queriesPerSocket: number;
}

const normalizeAddress = (address: string) => address.replace(/^::ffff:/, '');

export class UdpUpstream {
  readonly counters: UpstreamCounters = { spoofed: 0, timeouts: 0 };
  private readonly pools: Record<'udp4' | 'udp6', PooledSocket[]> = { udp4: [], udp6: [] };
  private readonly options: UdpUpstreamOptions;

  constructor(private readonly sends: UdpSendBatch, options: Partial<UdpUpstreamOptions> = {}) {
    this.options = { sockets: 8, queriesPerSocket: 1000, ...options };
  }

  /** Sends `query` (its id is replaced) and resolves with the checked answer. */
  query(server: string, port: number, query: Buffer, question: Question, timeoutMs: number): Promise<UpstreamAnswer> {
    const pooled = this.pick(isIPv6(server) ? 'udp6' : 'udp4');
    let id = randomInt(0, 0x10000);
    while (pooled.pending.has(id)) id = randomInt(0, 0x10000);
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        pooled.pending.delete(id);
        this.counters.timeouts++;
        this.closeIfDrained(pooled);
        reject(new SluiceError('ERR_DNS_UPSTREAM_TIMEOUT', `forward ${question.name} ${question.type} to ${server}:${port}: no answer in ${timeoutMs} ms`, { retriable: true }));
      }, timeoutMs);
      pooled.pending.set(id, { server, port, question, resolve, timer });
      this.sends.send(pooled.fd, withId(query, id), port, server, (e) => {
        if (pooled.pending.get(id)?.resolve !== resolve) return;
        clearTimeout(timer);
        pooled.pending.delete(id);
        this.closeIfDrained(pooled);
        reject(new SluiceError('ERR_DNS_UPSTREAM', `forward ${question.name} to ${server}:${port}: ${errnoMessage(e)}`, { retriable: true }));
      });
    });
  }

  close(): void {
    for (const pool of Object.values(this.pools)) {
      // The pool is sparse (slots fill as they are picked), so skip the holes.
      for (const pooled of pool.splice(0).filter((slot) => slot !== undefined)) {
        for (const pending of pooled.pending.values()) clearTimeout(pending.timer);
        this.closeSocket(pooled);
      }
    }
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
    const pooled: PooledSocket = { socket, fd, pending: new Map(), uses: 0, retired: false };
    socket.on('message', (message, rinfo) => this.receive(pooled, message, rinfo.address, rinfo.port));
    // A send error (ICMP unreachable) also arrives here; the query then ends by its timeout.
    socket.on('error', () => undefined);
    socket.bind({ fd });
    return pooled;
  }

  private receive(pooled: PooledSocket, message: Buffer, address: string, port: number): void {
    const id = message.length >= 2 ? message.readUInt16BE(0) : -1;
    const pending = pooled.pending.get(id);
    if (pending === undefined || normalizeAddress(address) !== normalizeAddress(pending.server) || port !== pending.port) {
      this.counters.spoofed++;
      return;
    }
    const checked = checkAnswer(message, id, pending.question);
    if (!checked.ok) {
      this.counters.spoofed++;
      return;
    }
    clearTimeout(pending.timer);
    pooled.pending.delete(id);
    pending.resolve({ raw: message, packet: checked.packet });
    this.closeIfDrained(pooled);
  }

  private closeSocket(pooled: PooledSocket): void {
    this.sends.forget(pooled.fd);
    pooled.socket.close();
  }

  private closeIfDrained(pooled: PooledSocket): void {
    if (pooled.retired && pooled.pending.size === 0) this.closeSocket(pooled);
  }
}
