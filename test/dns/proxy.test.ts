// The DNS proxy against a real resolver (dnsmasq on 127.0.0.1) and real clients (dig). The
// datapath's part (steering, dns_nat) is played by lookupOrigin: 127.0.0.1 is endpoint 1, any
// other client address is not an endpoint.
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startDnsProxy, type DnsEvent, type DnsExchange, type DnsProxy } from '../../src/dns/index.js';
import { SluiceError } from '../../src/errors.js';
import { describeWithTools } from '../support/env.js';
import { DIG, DNSMASQ, dig, startDnsmasq, type Resolver } from './resolver.js';

const bigAddresses = Array.from({ length: 100 }, (_, i) => `198.51.100.${i + 1}`);
const zone = [
  'host-record=www.sluice.test,192.0.2.10,2001:db8::10,30',
  'host-record=short.sluice.test,192.0.2.11,2',
  'host-record=denied.sluice.test,192.0.2.12,30',
  'cname=mid.sluice.test,www.sluice.test,20',
  'cname=alias.sluice.test,mid.sluice.test,45',
  ...bigAddresses.map((ip) => `host-record=big.sluice.test,${ip},30`),
];

describeWithTools('dns proxy with dnsmasq and dig', [DNSMASQ, DIG], () => {
  let resolver: Resolver;
  let proxy: DnsProxy;
  let upstreamPort: number;
  let onAnswer: (exchange: DnsExchange) => Promise<void>;
  const exchanges: DnsExchange[] = [];
  const events: DnsEvent[] = [];

  beforeAll(async () => {
    resolver = await startDnsmasq(zone);
    proxy = await startDnsProxy({
      lookupOrigin: (addr) => (addr === '127.0.0.1' ? { endpointId: 1, server: '127.0.0.1', port: upstreamPort } : undefined),
      decide: (_, q) =>
        q.qname.toLowerCase() === 'denied.sluice.test'
          ? { allowed: false, rule: null, policy: null }
          : { allowed: true, rule: 'matchPattern: *.sluice.test', policy: 'default/dns' },
      onAnswer: (exchange) => {
        exchanges.push(exchange);
        return onAnswer(exchange);
      },
      onEvent: (event) => events.push(event),
      answerDeadlineMs: 100,
      upstreamTimeoutMs: 500,
    });
  });

  afterAll(async () => {
    await proxy?.close();
    await resolver?.stop();
  });

  beforeEach(() => {
    upstreamPort = resolver.port;
    onAnswer = async () => undefined;
    exchanges.length = 0;
    events.length = 0;
  });

  it('answers A and AAAA over UDP after onAnswer saw the addresses and TTL', async () => {
    const a = await dig(proxy.port, 'www.sluice.test', 'A');
    expect(a.status).toBe('NOERROR');
    expect(a.answers.map((r) => r.data)).toEqual(['192.0.2.10']);
    const aaaa = await dig(proxy.port, 'www.sluice.test', 'AAAA');
    expect(aaaa.answers.map((r) => r.data)).toEqual(['2001:db8::10']);
    expect(exchanges.map((e) => [e.endpointId, e.question.qtype, e.answer.addresses.map((x) => x.ip), e.answer.ttlSec])).toEqual([
      [1, 'A', ['192.0.2.10'], 30],
      [1, 'AAAA', ['2001:db8::10'], 30],
    ]);
    expect(events.filter((e) => e.type === 'dns.response').map((e) => e.id)).toEqual(exchanges.map((e) => e.dnsEventId));
  });

  it('follows a CNAME chain: addresses belong to the queried name, TTL is the smallest', async () => {
    const result = await dig(proxy.port, 'alias.sluice.test', 'A');
    expect(result.answers.map((r) => r.type)).toEqual(['CNAME', 'CNAME', 'A']);
    expect(exchanges[0]?.answer).toEqual({
      rcode: 'NOERROR',
      addresses: [{ ip: '192.0.2.10', type: 'A', ttl: 30 }],
      cnames: ['mid.sluice.test', 'www.sluice.test'],
      ttlSec: 20,
    });
    expect(exchanges[0]?.question.qname).toBe('alias.sluice.test');
  });

  it('passes a truncated UDP answer with TC set, and the client retry over TCP gets it all', async () => {
    const truncated = await dig(proxy.port, 'big.sluice.test', 'A', ['+noedns', '+ignore']);
    expect(truncated.flags).toContain('tc');
    expect(exchanges[0]?.truncated).toBe(true);
    const before = proxy.counters.tcpConnections;
    const retried = await dig(proxy.port, 'big.sluice.test', 'A', ['+noedns']);
    expect(retried.retriedOverTcp).toBe(true);
    expect(retried.answers.map((r) => r.data).sort()).toEqual([...bigAddresses].sort());
    expect(proxy.counters.tcpConnections).toBe(before + 1);
    expect(exchanges.at(-1)?.answer.addresses).toHaveLength(100);
  });

  it('answers several queries on one TCP connection', async () => {
    const before = proxy.counters.tcpConnections;
    const out = await dig(proxy.port, 'www.sluice.test', 'A', ['+tcp', '+keepopen', 'short.sluice.test', 'A']);
    expect(out.raw.match(/status: NOERROR/g)).toHaveLength(2);
    expect(proxy.counters.tcpConnections).toBe(before + 1);
    expect(exchanges.map((e) => e.answer.addresses[0]?.ip)).toEqual(['192.0.2.10', '192.0.2.11']);
  });

  it('refuses a denied name without learning anything', async () => {
    const result = await dig(proxy.port, 'denied.sluice.test', 'A');
    expect(result.status).toBe('REFUSED');
    expect(result.answers).toEqual([]);
    expect(exchanges).toEqual([]);
    expect(events.map((e) => [e.type, e.data.verdict, e.data.reason])).toEqual([['dns.request', 'denied', 'policy']]);
  });

  it('refuses clients that are not endpoints', async () => {
    const result = await dig(proxy.port, 'www.sluice.test', 'A', ['-b', '127.0.0.2']);
    expect(result.status).toBe('REFUSED');
    expect(exchanges).toEqual([]);
  });

  it('answers SERVFAIL when the upstream does not answer', async () => {
    const silent: Socket = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    upstreamPort = silent.address().port;
    try {
      const started = Date.now();
      const result = await dig(proxy.port, 'www.sluice.test', 'A');
      expect(result.status).toBe('SERVFAIL');
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(events.at(-1)?.data).toMatchObject({ reason: 'upstream-timeout', error: 'ERR_DNS_UPSTREAM_TIMEOUT' });
    } finally {
      silent.close();
    }
  });

  it('answers SERVFAIL when the datapath write fails or is slower than the bound', async () => {
    onAnswer = async () => {
      throw new SluiceError('ERR_MAP_UPDATE', 'update allowlist: no space left on device');
    };
    const failed = await dig(proxy.port, 'www.sluice.test', 'A');
    expect(failed.status).toBe('SERVFAIL');
    expect(failed.answers).toEqual([]);
    onAnswer = () => new Promise((resolve) => setTimeout(resolve, 300));
    const slow = await dig(proxy.port, 'www.sluice.test', 'A');
    expect(slow.status).toBe('SERVFAIL');
    expect(slow.answers).toEqual([]);
  });

  it('discards forged answers (wrong id, wrong question, wrong source port) and waits for the genuine one', async () => {
    // A fake resolver that races three forgeries ahead of its real answer.
    const fake = createSocket('udp4');
    const other = createSocket('udp4');
    await Promise.all([
      new Promise<void>((resolve) => fake.bind(0, '127.0.0.1', resolve)),
      new Promise<void>((resolve) => other.bind(0, '127.0.0.1', resolve)),
    ]);
    fake.on('message', (message, rinfo) => {
      const query = dnsPacket.decode(message);
      const question = query.questions![0]!;
      const reply = (id: number, name: string, ip: string) =>
        dnsPacket.encode({ type: 'response', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ ...question, name }], answers: [{ type: 'A', name, ttl: 60, data: ip }] });
      fake.send(reply((query.id! + 1) & 0xffff, question.name, '203.0.113.66'), rinfo.port, rinfo.address);
      fake.send(reply(query.id!, 'evil.sluice.test', '203.0.113.66'), rinfo.port, rinfo.address);
      other.send(reply(query.id!, question.name, '203.0.113.66'), rinfo.port, rinfo.address);
      setTimeout(() => fake.send(reply(query.id!, question.name, '192.0.2.77'), rinfo.port, rinfo.address), 30);
    });
    upstreamPort = fake.address().port;
    const before = proxy.counters.spoofed;
    try {
      const result = await dig(proxy.port, 'forged.sluice.test', 'A');
      expect(result.answers.map((r) => r.data)).toEqual(['192.0.2.77']);
      expect(exchanges.map((e) => e.answer.addresses.map((a) => a.ip))).toEqual([['192.0.2.77']]);
      expect(proxy.counters.spoofed - before).toBe(3);
    } finally {
      fake.close();
      other.close();
    }
  });

  it('answers FORMERR to garbage, drops runts, and keeps serving', async () => {
    const client = createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    const replies: Buffer[] = [];
    client.on('message', (message) => replies.push(message));
    const before = proxy.counters.malformed;
    client.send(Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0]), proxy.port, '127.0.0.1');
    client.send(Buffer.from([1, 2, 3]), proxy.port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.close();
    expect(replies.map((r) => dnsPacket.decode(r))).toMatchObject([{ id: 0x1234, rcode: 'FORMERR' }]);
    expect(proxy.counters.malformed - before).toBe(2);
    expect((await dig(proxy.port, 'www.sluice.test', 'A')).status).toBe('NOERROR');
  });

  it('holds queries that arrive before it is ready, then answers them', async () => {
    let open!: () => void;
    const held: DnsEvent[] = [];
    const gated = await startDnsProxy({
      lookupOrigin: () => ({ endpointId: 1, server: '127.0.0.1', port: upstreamPort }),
      decide: () => ({ allowed: true, rule: null, policy: null }),
      onAnswer: () => undefined,
      onEvent: (event) => held.push(event),
      ready: new Promise<void>((resolve) => (open = resolve)),
    });
    try {
      const answer = dig(gated.port, 'www.sluice.test', 'A');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // the query is in the socket, not refused and not handled
      expect(held).toEqual([]);
      expect(gated.counters.received).toBe(0);
      open();
      expect((await answer).answers.map((r) => r.data)).toEqual(['192.0.2.10']);
      expect(held.map((e) => e.type)).toEqual(['dns.request', 'dns.response']);
    } finally {
      await gated.close();
    }
  });
});
