import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { checkAnswer } from './answerCheck.js';
import { extractAnswer } from './extractAnswer.js';
import { headerOnlyReply, parseQuery, Rcode, syntheticReply, withId } from './message.js';
import { TcpFrameReader, frame } from './tcpFraming.js';
import { readMessage } from './wire.js';

const query = (name = 'api.example.com', type: 'A' | 'AAAA' = 'A', id = 4242) =>
  dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });

describe('dns > message', () => {
  it('parses a query and refuses to parse responses, runts and garbage', () => {
    const parsed = parseQuery(query());
    expect(parsed.ok && parsed.question.name).toBe('api.example.com');
    expect(parseQuery(Buffer.alloc(5))).toEqual({ ok: false, reason: 'short', id: undefined });
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'x' }] });
    expect(parseQuery(response)).toMatchObject({ ok: false, reason: 'not-a-query' });
    const garbage = Buffer.concat([query().subarray(0, 12), Buffer.from([0xff, 0xff, 0xff])]);
    expect(parseQuery(garbage)).toEqual({ ok: false, reason: 'undecodable', id: 4242 });
    const two = dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: 'a' }, { type: 'A', name: 'b' }] });
    expect(parseQuery(two)).toMatchObject({ ok: false, reason: 'question-count', id: 9 });
  });

  it('refuses a question name whose labels hold a dot or bytes outside printable ASCII', () => {
    // one label `allowed.test` under `x`: a decoder prints x.allowed.test, the resolver sees two labels
    const name = Buffer.concat([Buffer.from([1]), Buffer.from('x'), Buffer.from([12]), Buffer.from('allowed.test'), Buffer.from([0])]);
    const dotted = Buffer.concat([query().subarray(0, 12), name, Buffer.from([0, 1, 0, 1])]);
    expect(parseQuery(dotted)).toMatchObject({ ok: false, reason: 'question-name', id: 4242 });
    const utf8 = Buffer.concat([query().subarray(0, 12), Buffer.from([4]), Buffer.from('caf\xc3', 'latin1'), Buffer.from([4]), Buffer.from('test'), Buffer.from([0, 0, 1, 0, 1])]);
    expect(parseQuery(utf8)).toMatchObject({ ok: false, reason: 'question-name' });
    expect(parseQuery(query('Valid-Name_1.example.com'))).toMatchObject({ ok: true });
  });

  it('builds replies that echo id, question and RD with the rcode', () => {
    const parsed = parseQuery(query());
    if (!parsed.ok) throw new Error('unparsed');
    const reply = dnsPacket.decode(syntheticReply(parsed.packet, Rcode.REFUSED));
    expect(reply).toMatchObject({ type: 'response', id: 4242, rcode: 'REFUSED', flag_rd: true, questions: [{ name: 'api.example.com', type: 'A' }] });
    expect(dnsPacket.decode(headerOnlyReply(77, 0x0100, Rcode.FORMERR))).toMatchObject({ id: 77, rcode: 'FORMERR', type: 'response' });
    expect(withId(query(), 9).readUInt16BE(0)).toBe(9);
  });

  it('frames TCP messages and reassembles split and joined chunks', () => {
    const a = query('a.example');
    const b = query('b.example');
    const stream = Buffer.concat([frame(a), frame(b)]);
    const reader = new TcpFrameReader();
    expect(reader.push(stream.subarray(0, 1))).toEqual([]);
    expect(reader.push(stream.subarray(1, a.length + 3))).toEqual([a]);
    expect(reader.push(stream.subarray(a.length + 3))).toEqual([b]);
  });
});

describe('dns > checkAnswer', () => {
  const question = { type: 'A' as const, name: 'api.example.com', class: 'IN' as const };
  const response = (over: Partial<dnsPacket.Packet> = {}) =>
    dnsPacket.encode({ type: 'response', id: 100, questions: [question], answers: [], ...over });

  it('accepts the answer to our id and question, case-insensitively', () => {
    expect(checkAnswer(response({ questions: [{ ...question, name: 'API.example.COM' }] }), 100, question).ok).toBe(true);
  });

  it.each([
    ['another id', response({ id: 101 }), 'id'],
    ['another name', response({ questions: [{ ...question, name: 'evil.example.com' }] }), 'question'],
    ['another type', response({ questions: [{ ...question, type: 'AAAA' }] }), 'question'],
    ['no question', response({ questions: [] }), 'question'],
    ['a query', dnsPacket.encode({ type: 'query', id: 100, questions: [question] }), 'not-a-response'],
    ['garbage', Buffer.from([0, 100, 1, 2, 3]), 'undecodable'],
  ])('discards %s', (_, message, reason) => {
    expect(checkAnswer(message, 100, question)).toEqual({ ok: false, reason });
  });
});

describe('dns > extractAnswer', () => {
  const decode = (answers: dnsPacket.Answer[], rcodeFlags = 0) =>
    readMessage(dnsPacket.encode({ type: 'response', id: 1, flags: rcodeFlags, questions: [{ type: 'A', name: 'www.example.com' }], answers }));

  it('follows the CNAME chain from the question, takes the smallest TTL and the last name addresses', () => {
    const packet = decode([
      { type: 'CNAME', name: 'WWW.example.com', ttl: 300, data: 'edge.cdn.example' },
      { type: 'CNAME', name: 'edge.cdn.example', ttl: 60, data: 'pop1.cdn.example' },
      { type: 'A', name: 'pop1.cdn.example', ttl: 120, data: '192.0.2.10' },
      { type: 'AAAA', name: 'pop1.cdn.example', ttl: 90, data: '2001:db8::10' },
      { type: 'A', name: 'unrelated.example', ttl: 1, data: '198.51.100.66' },
    ]);
    expect(extractAnswer(packet, 'www.example.com.')).toEqual({
      rcode: 'NOERROR',
      addresses: [{ ip: '192.0.2.10', type: 'A', ttl: 120 }, { ip: '2001:db8::10', type: 'AAAA', ttl: 90 }],
      cnames: ['edge.cdn.example', 'pop1.cdn.example'],
      ttlSec: 60,
    });
  });

  it('takes no addresses from error answers, loops or records off the chain', () => {
    expect(extractAnswer(decode([{ type: 'A', name: 'www.example.com', ttl: 5, data: '192.0.2.1' }], Rcode.NXDOMAIN), 'www.example.com').addresses).toEqual([]);
    const loop = decode([
      { type: 'CNAME', name: 'www.example.com', ttl: 5, data: 'b.example' },
      { type: 'CNAME', name: 'b.example', ttl: 5, data: 'www.example.com' },
      { type: 'A', name: 'www.example.com', ttl: 5, data: '192.0.2.1' },
    ]);
    expect(extractAnswer(loop, 'www.example.com')).toMatchObject({ cnames: ['b.example'], addresses: [] });
    const offChain = decode([{ type: 'A', name: 'other.example', ttl: 5, data: '192.0.2.1' }]);
    expect(extractAnswer(offChain, 'www.example.com')).toEqual({ rcode: 'NOERROR', addresses: [], cnames: [], ttlSec: undefined });
  });
});
