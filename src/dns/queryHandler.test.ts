import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { createQueryHandler, defaultQueryHandlerOptions, type QueryHandlerDeps } from './queryHandler.js';
import type { DnsEvent, DnsExchange, DnsProxyCounters } from './types.js';

const client = { addr: '10.0.0.5', port: 40000 };
const query = (name: string, id = 7) =>
  dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
const upstreamAnswer = (name: string, id: number) => {
  const raw = dnsPacket.encode({
    type: 'response', id, flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', name }],
    answers: [{ type: 'A', name, ttl: 30, data: '192.0.2.1' }],
  });
  return { raw, packet: dnsPacket.decode(raw) };
};

function setup(over: Partial<QueryHandlerDeps> = {}) {
  const events: DnsEvent[] = [];
  const exchanges: DnsExchange[] = [];
  const forwarded: string[] = [];
  const counters = {} as DnsProxyCounters;
  for (const key of ['received', 'malformed', 'refusedUnknownClient', 'refusedOverload', 'denied', 'forwarded', 'answered', 'servfail', 'upstreamTimeouts', 'answersHeldTooLong', 'programmingFailures', 'spoofed', 'tcpConnections'] as const) counters[key] = 0;
  let ids = 0;
  const handle = createQueryHandler({
    ...defaultQueryHandlerOptions,
    lookupOrigin: (addr) => (addr === client.addr ? { endpointId: 3, server: '192.0.2.53', port: 53 } : undefined),
    decide: (_, q) => (q.qname.endsWith('allowed.example')
      ? { allowed: true, rule: 'matchPattern: *.allowed.example', policy: 'default/p' }
      : { allowed: false, rule: null, policy: null }),
    onAnswer: async (exchange) => { exchanges.push(exchange); },
    emit: (event) => events.push(event),
    forward: async (_t, _s, _p, message, question) => {
      forwarded.push(question.name);
      return upstreamAnswer(question.name, message.readUInt16BE(0));
    },
    counters,
    newEventId: () => `ev${++ids}`,
    ...over,
  });
  const rcode = async (message: Buffer, from = client) => {
    const reply = await handle(message, from, 'UDP');
    return reply === undefined ? undefined : dnsPacket.decode(reply);
  };
  return { handle, rcode, events, exchanges, forwarded, counters };
}

describe('dns > queryHandler', () => {
  it('forwards an allowed query, holds the answer for onAnswer and logs request and response', async () => {
    const { rcode, events, exchanges, forwarded } = setup();
    const reply = await rcode(query('www.allowed.example', 1234));
    expect(reply).toMatchObject({ id: 1234, rcode: 'NOERROR', answers: [{ data: '192.0.2.1' }] });
    expect(forwarded).toEqual(['www.allowed.example']);
    expect(exchanges).toMatchObject([{ dnsEventId: 'ev2', endpointId: 3, answer: { ttlSec: 30, addresses: [{ ip: '192.0.2.1' }] } }]);
    expect(events.map((e) => [e.type, e.id, e.causeId, e.data.verdict, e.data.rcode])).toEqual([
      ['dns.request', 'ev1', null, 'allowed', 'NOERROR'],
      ['dns.response', 'ev2', 'ev1', 'allowed', 'NOERROR'],
    ]);
    expect(events[1]?.data).toMatchObject({ rule: 'matchPattern: *.allowed.example', policy: 'default/p', server: '192.0.2.53:53', endpointId: 3 });
  });

  it('refuses a denied name without forwarding, NXDOMAIN by option', async () => {
    const refused = setup();
    expect(await refused.rcode(query('evil.example'))).toMatchObject({ rcode: 'REFUSED', answers: [] });
    expect(refused.forwarded).toEqual([]);
    expect(refused.events.map((e) => [e.type, e.data.verdict, e.data.reason])).toEqual([['dns.request', 'denied', 'policy']]);
    const nx = setup({ denyRcode: 'NXDOMAIN' });
    expect(await nx.rcode(query('evil.example'))).toMatchObject({ rcode: 'NXDOMAIN' });
  });

  it('refuses clients that are not endpoints: not an open resolver', async () => {
    const { rcode, forwarded, counters, events } = setup();
    expect(await rcode(query('www.allowed.example'), { addr: '198.51.100.9', port: 5353 })).toMatchObject({ rcode: 'REFUSED' });
    expect(forwarded).toEqual([]);
    expect(counters.refusedUnknownClient).toBe(1);
    expect(events[0]?.data).toMatchObject({ reason: 'unknown-client', endpointId: null });
  });

  it('a throwing decision denies', async () => {
    const { rcode } = setup({ decide: () => { throw new Error('bug'); } });
    expect(await rcode(query('www.allowed.example'))).toMatchObject({ rcode: 'REFUSED' });
  });

  it('answers SERVFAIL on upstream timeout', async () => {
    const { rcode, counters, events } = setup({
      forward: async () => { throw new SluiceError('ERR_DNS_UPSTREAM_TIMEOUT', 'no answer', { retriable: true }); },
    });
    expect(await rcode(query('www.allowed.example'))).toMatchObject({ rcode: 'SERVFAIL' });
    expect(counters.upstreamTimeouts).toBe(1);
    expect(events[1]?.data).toMatchObject({ rcode: 'SERVFAIL', reason: 'upstream-timeout', error: 'ERR_DNS_UPSTREAM_TIMEOUT' });
  });

  it('never releases an answer whose addresses are not programmed: SERVFAIL when onAnswer fails or is late', async () => {
    const failing = setup({ onAnswer: async () => { throw new SluiceError('ERR_MAP_UPDATE', 'update allowlist: no space'); } });
    expect(await failing.rcode(query('www.allowed.example'))).toMatchObject({ rcode: 'SERVFAIL', answers: [] });
    expect(failing.counters.programmingFailures).toBe(1);
    expect(failing.events[1]?.data).toMatchObject({ rcode: 'SERVFAIL', error: 'ERR_MAP_UPDATE', reason: 'answer-held' });

    const slow = setup({ answerDeadlineMs: 20, onAnswer: () => new Promise((resolve) => setTimeout(resolve, 200)) });
    expect(await slow.rcode(query('www.allowed.example'))).toMatchObject({ rcode: 'SERVFAIL', answers: [] });
    expect(slow.counters.answersHeldTooLong).toBe(1);
  });

  it('refuses past the in-flight bound', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const { handle, counters } = setup({ maxInFlight: 1, onAnswer: () => gate });
    const first = handle(query('a.allowed.example', 1), client, 'UDP');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await handle(query('b.allowed.example', 2), client, 'UDP');
    expect(dnsPacket.decode(second!)).toMatchObject({ id: 2, rcode: 'REFUSED' });
    expect(counters.refusedOverload).toBe(1);
    release();
    expect(dnsPacket.decode((await first)!)).toMatchObject({ id: 1, rcode: 'NOERROR' });
  });

  it('answers FORMERR to undecodable queries and drops runts and responses, counting both', async () => {
    const { handle, counters } = setup();
    const broken = Buffer.concat([query('x.allowed.example', 55).subarray(0, 12), Buffer.from([0xc0])]);
    expect(dnsPacket.decode((await handle(broken, client, 'UDP'))!)).toMatchObject({ id: 55, rcode: 'FORMERR' });
    expect(await handle(Buffer.from([1, 2, 3]), client, 'UDP')).toBeUndefined();
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'x' }] });
    expect(await handle(response, client, 'UDP')).toBeUndefined();
    expect(counters.malformed).toBe(3);
  });
});
