import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readMessage, sameName, WireError } from './wire.js';

// What the proxy reads of a message, taken from dns-packet's full decode.
function viaDnsPacket(buf: Buffer) {
  const p = dnsPacket.decode(buf) as dnsPacket.DecodedPacket & { rcode: string };
  return {
    id: p.id,
    flags: p.flags,
    response: p.type === 'response',
    rcode: p.rcode,
    questions: (p.questions ?? []).map((q) => ({ name: q.name, type: q.type, class: q.class })),
    answers: (p.answers ?? [])
      .filter((a) => a.type !== 'OPT')
      .map((a) => {
        const r = a as { name: string; type: string; class: string; ttl: number; data: unknown };
        return { name: r.name, type: r.type, class: r.class, ttl: r.ttl, data: r.data };
      }),
  };
}

const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,14}$/);
const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
// groups drawn mostly from zero, so runs of every length and place come up (the '::' rule)
const ipv6 = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((gs) => {
  const bytes = Buffer.alloc(16);
  gs.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  // through dns-packet's own text form, which is what the proxy must reproduce
  return dnsPacket.decode(dnsPacket.encode({ type: 'response', answers: [{ type: 'AAAA', name: 'x', data: gs.map((g) => g.toString(16)).join(':') }] })).answers![0]!.data as string;
});
const ttl = fc.nat(2 ** 31 - 1);
const record = fc.oneof(
  fc.record({ type: fc.constant('A' as const), name, ttl, data: ipv4 }),
  fc.record({ type: fc.constant('AAAA' as const), name, ttl, data: ipv6 }),
  fc.record({ type: fc.constantFrom('CNAME' as const, 'NS' as const, 'PTR' as const, 'DNAME' as const), name, ttl, data: name }),
  fc.record({ type: fc.constant('MX' as const), name, ttl, data: fc.record({ preference: fc.nat(65535), exchange: name }) }),
  fc.record({ type: fc.constant('TXT' as const), name, ttl, data: fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ type: fc.constant('SRV' as const), name, ttl, data: fc.record({ priority: fc.nat(65535), weight: fc.nat(65535), port: fc.nat(65535), target: name }) }),
);
const message = fc.record({
  type: fc.constantFrom('query' as const, 'response' as const),
  id: fc.nat(65535),
  flags: fc.nat(0x7fff),
  questions: fc.array(fc.record({ name, type: fc.constantFrom('A' as const, 'AAAA' as const, 'TXT' as const, 'ANY' as const), class: fc.constantFrom('IN' as const, 'CH' as const) }), { maxLength: 2 }),
  answers: fc.array(record, { maxLength: 6 }),
  authorities: fc.array(record, { maxLength: 2 }),
  additionals: fc.array(fc.oneof(record, fc.constant({ type: 'OPT' as const, name: '.', udpPayloadSize: 1232 })), { maxLength: 2 }),
});

describe('dns > wire', () => {
  it('reads header, questions and answers as dns-packet decodes them', () => {
    fc.assert(
      fc.property(message, (m) => {
        const buf = dnsPacket.encode(m as dnsPacket.Packet);
        expect(readMessage(buf)).toEqual(viaDnsPacket(buf));
      }),
      { numRuns: 2000 },
    );
  });

  it('follows compression pointers, as resolvers write them', () => {
    // answer name and CNAME target point back into the question
    const q = Buffer.from([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0, 3, 0x77, 0x77, 0x77, 4, 0x74, 0x65, 0x73, 0x74, 0, 0, 1, 0, 1]);
    const cname = Buffer.from([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, 0x63, 0x64, 0x6e, 0xc0, 16]);
    const a = Buffer.from([0xc0, 38, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 0, 2, 7]);
    const buf = Buffer.concat([q, cname, a]);
    const read = readMessage(buf);
    expect(read.answers).toEqual([
      { name: 'www.test', type: 'CNAME', class: 'IN', ttl: 60, data: 'cdn.test' },
      { name: 'cdn.test', type: 'A', class: 'IN', ttl: 30, data: '192.0.2.7' },
    ]);
    expect(read).toEqual(viaDnsPacket(buf));
  });

  it('rejects what does not hold together, and only with a WireError', () => {
    const ok = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'a.test' }], answers: [{ type: 'A', name: 'a.test', data: '192.0.2.1' }], additionals: [{ type: 'OPT', name: '.' }] });
    for (let cut = 0; cut < ok.length; cut++) expect(() => readMessage(ok.subarray(0, cut)), `cut at ${cut}`).toThrow(WireError);
    // a question name that points forwards, at itself
    expect(() => readMessage(Buffer.concat([ok.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]))).toThrow(WireError);
    // an EDNS option longer than its OPT record
    const edns = dnsPacket.encode({ type: 'query', id: 2, questions: [{ type: 'A', name: 'a.test' }], additionals: [{ type: 'OPT', name: '.', options: [{ code: 10, data: Buffer.alloc(8) }] }] });
    expect(() => readMessage(edns)).not.toThrow();
    const badEdns = Buffer.from(edns);
    badEdns.writeUInt16BE(9, edns.length - 10); // the option's length, one past the record
    expect(() => readMessage(badEdns)).toThrow(WireError);
    const longA = Buffer.from(ok);
    longA.writeUInt16BE(5, ok.indexOf(Buffer.from([0, 4, 192, 0, 2, 1]))); // an A record claiming 5 bytes
    expect(() => readMessage(longA)).toThrow(WireError);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 300 }), (bytes) => {
        try {
          readMessage(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('compares names as DNS does: ASCII case folded, a trailing dot ignored, nothing else folded', () => {
    expect(sameName('API.Example.COM.', 'api.example.com')).toBe(true);
    expect(sameName('api.example.com', 'api.example.co')).toBe(false);
    // toLowerCase() would fold KELVIN SIGN to 'k': an echoed question must not match that way
    expect(sameName('\u212Aey.test', 'key.test')).toBe(false);
    expect(sameName('.', '')).toBe(true);
  });
});
