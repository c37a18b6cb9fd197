// The upstream leg alone, against a UDP server in this process on loopback: every answer reaches
// the query it belongs to while sockets are retired and replaced under it, and a query nobody
// answers times out and is no longer in flight.
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket, { type Question } from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors.js';
import { UdpSendBatch } from './udpSendBatch.js';
import { UdpUpstream } from './upstreamUdp.js';

let server: Socket | undefined;
let upstream: UdpUpstream | undefined;
afterEach(() => {
  upstream?.close();
  server?.close();
  server = upstream = undefined;
});

/**
 * Answers each query with an address derived from its name, after a random delay (so answers
 * cross), or with `burst`, all at once when that many queries have come (so they queue up).
 */
async function echoServer(silent: (name: string) => boolean, burst = 0, heardFrom?: (port: number) => void): Promise<number> {
  server = createSocket('udp4');
  let held: (() => void)[] = [];
  server.on('message', (message, rinfo) => {
    heardFrom?.(rinfo.port);
    const query = dnsPacket.decode(message);
    const q = query.questions![0]!;
    if (silent(q.name)) return;
    const n = Number(/^n(\d+)\./.exec(q.name)?.[1] ?? 0);
    const answer = dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.RECURSION_DESIRED, questions: [q], answers: [{ type: 'A', name: q.name, ttl: 30, data: `10.0.${n >> 8}.${n & 255}` }] });
    const send = () => server?.send(answer, rinfo.port, rinfo.address);
    if (burst === 0) return void setTimeout(send, Math.random() * 5);
    held.push(send);
    if (held.length < burst) return;
    for (const s of held) s();
    held = [];
  });
  await new Promise<void>((resolve) => server!.bind(0, '127.0.0.1', resolve));
  server.setRecvBufferSize(4 << 20);
  return server.address().port;
}

const queryFor = (name: string): { raw: Buffer; question: Question } => {
  const question: Question = { type: 'A', name, class: 'IN' };
  return { raw: dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [question] }), question };
};

/** Asks every name at once; resolves with the answers in order. */
const askAll = (port: number, names: readonly string[]) =>
  Promise.all(names.map((name) => {
    const { raw, question } = queryFor(name);
    return upstream!.query('127.0.0.1', port, raw, question, 2_000);
  }));

describe('dns > upstream over UDP', () => {
  it('matches every answer to its query, with many in flight on sockets that are retired under them', async () => {
    const port = await echoServer(() => false);
    upstream = new UdpUpstream(new UdpSendBatch(), { sockets: 4, queriesPerSocket: 7 });
    // waves of 100 in flight: a burst much larger overflows the test server's socket buffer
    for (let wave = 0; wave < 20; wave++) {
      const names = Array.from({ length: 100 }, (_, i) => `n${wave * 100 + i}.example`);
      const answers = await askAll(port, names);
      answers.forEach((a, i) => {
        const n = wave * 100 + i;
        expect(a.packet.questions![0]!.name).toBe(names[i]);
        expect(a.packet.answers![0]).toMatchObject({ type: 'A', data: `10.0.${n >> 8}.${n & 255}` });
      });
    }
    expect(upstream.counters).toEqual({ spoofed: 0, timeouts: 0 });
  });

  it('takes a burst of answers off retired sockets, each closed by its last answer in the middle of a drain', async () => {
    const port = await echoServer(() => false, 60);
    // one socket at a time, retired every 5 queries: 60 answers queue on 12 sockets at once
    upstream = new UdpUpstream(new UdpSendBatch(), { sockets: 1, queriesPerSocket: 5 });
    for (let wave = 0; wave < 5; wave++) {
      const names = Array.from({ length: 60 }, (_, i) => `n${wave * 60 + i}.example`);
      const answers = await askAll(port, names);
      answers.forEach((a, i) => expect(a.packet.questions[0]!.name).toBe(names[i]));
    }
    expect(upstream.counters).toEqual({ spoofed: 0, timeouts: 0 });
  });

  it('sends from as many source ports as it has sockets, each query from one drawn at random', async () => {
    const ports = new Set<number>();
    const port = await echoServer(() => false, 0, (from) => ports.add(from));
    upstream = new UdpUpstream(new UdpSendBatch(), { sockets: 16, queriesPerSocket: 1000 });
    for (let wave = 0; wave < 4; wave++) await askAll(port, Array.from({ length: 100 }, (_, i) => `n${wave * 100 + i}.example`));
    // 400 draws from 16: every socket is used (a miss has odds of about 16 * (15/16)^400)
    expect(ports.size).toBe(16);
  });

  it('times out a query nobody answers, while the others are answered, and then has nothing in flight', async () => {
    const port = await echoServer((name) => name.startsWith('silent'));
    upstream = new UdpUpstream(new UdpSendBatch(), { sockets: 2, queriesPerSocket: 3 });
    const ask = (name: string) => {
      const { raw, question } = queryFor(name);
      return upstream!.query('127.0.0.1', port, raw, question, 150);
    };
    const results = await Promise.allSettled([ask('n1.example'), ask('silent.example'), ask('n2.example'), ask('silent2.example'), ask('n3.example')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    for (const r of results) if (r.status === 'rejected') expect(isSluiceError(r.reason, 'ERR_DNS_UPSTREAM_TIMEOUT')).toBe(true);
    expect(upstream.counters.timeouts).toBe(2);
    // the sweep stops once nothing is in flight, and new queries work as before
    await expect(ask('n4.example')).resolves.toMatchObject({ packet: { answers: [expect.objectContaining({ data: '10.0.0.4' })] } });
  });
});
