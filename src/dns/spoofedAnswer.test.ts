// Issue 8: a forged upstream answer that arrives first (from another port, with another id, or
// for another question) is discarded and counted, and the genuine answer that follows is the one
// the client gets. Upstream ids and source ports are the proxy's own random ones.
import { createSocket } from 'node:dgram';
import dnsPacket, { type Question } from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsProxy, type DnsProxy } from './index.js';

type Forgery = 'source' | 'id' | 'question';

async function upstreamAnsweringTwice(forgery: Forgery, seen: { id: number; port: number }[]) {
  const real = createSocket('udp4');
  const other = createSocket('udp4');
  await Promise.all([new Promise<void>((r) => real.bind(0, '127.0.0.1', r)), new Promise<void>((r) => other.bind(0, '127.0.0.1', r))]);
  const answer = (id: number, q: Question, ip: string) =>
    dnsPacket.encode({ type: 'response', id, flags: dnsPacket.RECURSION_DESIRED, questions: [q], answers: [{ type: 'A', name: q.name, ttl: 60, data: ip }] });
  real.on('message', (message, rinfo) => {
    const query = dnsPacket.decode(message);
    const q = query.questions![0]!;
    seen.push({ id: query.id!, port: rinfo.port });
    const forged =
      forgery === 'id' ? answer((query.id! + 1) & 0xffff, q, '6.6.6.6')
      : forgery === 'question' ? answer(query.id!, { ...q, name: 'evil.example' }, '6.6.6.6')
      : answer(query.id!, q, '6.6.6.6');
    (forgery === 'source' ? other : real).send(forged, rinfo.port, rinfo.address, () =>
      real.send(answer(query.id!, q, '192.0.2.1'), rinfo.port, rinfo.address));
  });
  return { port: real.address().port, close: () => { real.close(); other.close(); } };
}

describe('dns > spoofed upstream answers', () => {
  let proxy: DnsProxy | undefined;
  let closeUpstream = () => undefined as void;
  afterEach(async () => {
    await proxy?.close();
    closeUpstream();
  });

  const ask = async (name: string, id: number) => {
    const client = createSocket('udp4');
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
    const reply = new Promise<Buffer>((resolve) => client.once('message', resolve));
    client.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), proxy!.port, '127.0.0.1');
    const decoded = dnsPacket.decode(await reply);
    client.close();
    return decoded;
  };

  it.each<Forgery>(['source', 'id', 'question'])('a forged answer (wrong %s) first: discarded, counted, the genuine one relayed', async (forgery) => {
    const seen: { id: number; port: number }[] = [];
    const upstream = await upstreamAnsweringTwice(forgery, seen);
    closeUpstream = upstream.close;
    proxy = await startDnsProxy({
      lookupOrigin: () => ({ endpointId: 1, server: '127.0.0.1', port: upstream.port }),
      decide: () => ({ allowed: true, rule: null, policy: null }),
      onAnswer: () => Promise.resolve(),
      onEvent: () => undefined,
      upstreamUdp: { queriesPerSocket: 5 },
    });
    const replies = [];
    for (let i = 0; i < 40; i++) replies.push(await ask(`n${i}.example`, 4242));
    for (const reply of replies) {
      expect(reply.id).toBe(4242);
      expect(reply.answers).toEqual([expect.objectContaining({ type: 'A', data: '192.0.2.1' })]);
    }
    expect(proxy.counters.spoofed).toBe(40);
    // the upstream never sees the client's id, and ids and source ports vary
    expect(new Set(seen.map((s) => s.id)).size).toBeGreaterThan(30);
    expect(new Set(seen.map((s) => s.port)).size).toBeGreaterThan(1);
  });
});
