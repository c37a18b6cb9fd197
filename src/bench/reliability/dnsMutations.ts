// Malformed DNS messages for the proxy fuzzer: client queries (what a hostile or broken pod
// sends) and upstream answers (what a hostile or broken resolver returns). Each generator names
// its kind so the report says what was tried how many times.
import type { Rng } from './rng.js';
import { RD, QR, RA, TYPE, ednsOption, header, ipv4, name, opt, pointer, question, record } from './dnsWire.js';

export const queryKinds = ['random', 'truncated', 'pointer-loop', 'wrong-counts', 'bad-edns', 'oversized', 'bit-flip', 'response-bit', 'odd-fields'] as const;
export const answerKinds = ['random', 'truncated', 'pointer-loop', 'wrong-counts', 'bad-edns', 'oversized', 'bit-flip', 'bad-rdata', 'cname-loop', 'wrong-id', 'wrong-question'] as const;
export type QueryKind = (typeof queryKinds)[number];
export type AnswerKind = (typeof answerKinds)[number];

export interface Mutated<K> {
  kind: K;
  bytes: Buffer;
}

const label = (rng: Rng, length = rng.int(1, 12)) => Array.from({ length }, () => rng.pick('abcdefghijklmnopqrstuvwxyz0123456789-'.split(''))).join('');

/** A well-formed query for `qname`, with EDNS half of the time. */
export function validQuery(id: number, qname: string, qtype: number, edns: boolean): Buffer {
  return Buffer.concat([header(id, RD, 1, 0, 0, edns ? 1 : 0), question(name(qname), qtype), ...(edns ? [opt(1232, Buffer.alloc(0))] : [])]);
}

/** A well-formed answer with `count` A records for the question. */
export function validAnswer(id: number, qname: string, qtype: number, count: number): Buffer {
  const q = question(name(qname), qtype);
  const records = Array.from({ length: count }, (_, i) => record(pointer(12), TYPE.A, 60, ipv4(i)));
  return Buffer.concat([header(id, QR | RD | RA, 1, count, 0, 0), q, ...records]);
}

/** Large filler: a random 256-byte block repeated (drawing every byte would dominate the run). */
function bulk(rng: Rng, length: number): Buffer {
  const block = rng.bytes(256);
  const out = Buffer.allocUnsafe(length);
  for (let at = 0; at < length; at += 256) block.copy(out, at, 0, Math.min(256, length - at));
  return out;
}

/** `count` A records owned by the question name (pointer to offset 12), written in one buffer. */
function aRecords(count: number): Buffer {
  const out = Buffer.alloc(count * 16);
  for (let i = 0; i < count; i++) {
    const at = i * 16;
    out.writeUInt16BE(0xc00c, at);
    out.writeUInt16BE(TYPE.A, at + 2);
    out.writeUInt16BE(1, at + 4);
    out.writeUInt32BE(60, at + 6);
    out.writeUInt16BE(4, at + 10);
    ipv4(i).copy(out, at + 12);
  }
  return out;
}

function flipBits(rng: Rng, message: Buffer): Buffer {
  const out = Buffer.from(message);
  for (let n = rng.int(1, 8); n > 0; n--) {
    const at = rng.int(0, out.length - 1);
    out[at] = out[at]! ^ (1 << rng.int(0, 7));
  }
  return out;
}

export function malformedQuery(rng: Rng, kind: QueryKind, qname: string): Buffer {
  const id = rng.int(0, 0xffff);
  const valid = () => validQuery(id, qname, rng.pick([TYPE.A, TYPE.AAAA]), rng.next() < 0.5);
  switch (kind) {
    case 'random':
      return rng.bytes(rng.int(0, 600));
    case 'truncated': {
      const q = valid();
      return q.subarray(0, rng.int(0, q.length - 1));
    }
    case 'pointer-loop': {
      // a name that points at itself, at a later name pointing back, or into the header
      const owner = rng.pick([pointer(12), Buffer.concat([Buffer.from([1, 0x61]), pointer(12)]), pointer(14), pointer(rng.int(0, 11))]);
      return Buffer.concat([header(id, RD, 1, 0, 0, 0), question(owner, TYPE.A), pointer(12)]);
    }
    case 'wrong-counts': {
      const [qd, an, ns, ar] = rng.pick([[0, 0, 0, 0], [2, 0, 0, 0], [0xffff, 0, 0, 0], [1, 1, 0, 0], [1, 0, 0xffff, 0], [1, 0, 0, 3]]) as [number, number, number, number];
      return Buffer.concat([header(id, RD, qd, an, ns, ar), question(name(qname), TYPE.A)]);
    }
    case 'bad-edns': {
      const options = ednsOption(rng.int(0, 20), rng.bytes(rng.int(0, 8)), rng.int(0, 300));
      const variants = [
        opt(rng.int(0, 0xffff), options, rng.int(0, 600)), // rdlength past the end
        opt(1232, options), // an option whose length lies
        Buffer.concat([opt(1232, Buffer.alloc(0)), opt(512, Buffer.alloc(0))]), // two OPT records
        opt(4096, Buffer.alloc(0), 0, 255), // an unknown EDNS version
        record(name('not-root.example'), TYPE.OPT, 0, Buffer.alloc(0), 0, 4096), // OPT with an owner name
      ];
      const chosen = rng.int(0, variants.length - 1);
      return Buffer.concat([header(id, RD, 1, 0, 0, chosen === 2 ? 2 : 1), question(name(qname), TYPE.A), variants[chosen]!]);
    }
    case 'oversized': {
      const variant = rng.int(0, 2);
      if (variant === 0) {
        // labels longer than 63 and names longer than 255 (length bytes 64..191 are reserved)
        const big = Array.from({ length: rng.int(2, 8) }, () => label(rng, rng.int(50, 120))).join('.');
        return Buffer.concat([header(id, RD, 1, 0, 0, 0), question(name(big), TYPE.A)]);
      }
      if (variant === 1) return Buffer.concat([valid(), bulk(rng, rng.int(1_000, 65_000))]); // trailing bulk
      const count = rng.next() < 0.05 ? 2_000 : rng.int(20, 200);
      return Buffer.concat([header(id, RD, 1, 0, 0, count), question(name(qname), TYPE.A), aRecords(count)]);
    }
    case 'bit-flip':
      return flipBits(rng, valid());
    case 'response-bit': {
      const q = valid();
      q.writeUInt16BE(q.readUInt16BE(2) | QR, 2);
      return q;
    }
    case 'odd-fields': {
      // opcode 15, class 0/255/65535, type 0/65535, bytes that are not UTF-8, dots inside a label
      const owner = rng.pick([name(qname), Buffer.concat([Buffer.from([4, 0xff, 0xfe, 0x00, 0x2e]), name(qname)]), Buffer.concat([Buffer.from([5, 0x61, 0x2e, 0x62, 0x2e, 0x63]), name('allowed.test')])]);
      return Buffer.concat([header(id, rng.pick([RD | 0x7800, RD | 0x0040, 0xffff & ~QR]), 1, 0, 0, 0), question(owner, rng.pick([0, TYPE.A, 0xffff]), rng.pick([0, 1, 255, 0xffff]))]);
    }
  }
}

export function malformedAnswer(rng: Rng, kind: AnswerKind, id: number, qname: string, qtype: number): Buffer {
  const q = () => question(name(qname), qtype);
  const head = (an: number, qd = 1, ar = 0) => header(id, QR | RD | RA, qd, an, 0, ar);
  switch (kind) {
    case 'random': {
      const body = rng.bytes(rng.int(0, 600));
      if (body.length >= 2 && rng.next() < 0.5) body.writeUInt16BE(id, 0); // past the id check
      return body;
    }
    case 'truncated': {
      const a = validAnswer(id, qname, qtype, rng.int(1, 20));
      return a.subarray(0, rng.int(0, a.length - 1));
    }
    case 'pointer-loop': {
      // the question is fine; an answer's owner name loops or points forward
      const loopAt = 12 + name(qname).length + 4;
      const owner = rng.pick([pointer(loopAt), pointer(loopAt + 2), Buffer.concat([Buffer.from([1, 0x62]), pointer(loopAt)])]);
      return Buffer.concat([head(1), q(), record(owner, TYPE.A, 60, ipv4(1))]);
    }
    case 'wrong-counts': {
      const records = Array.from({ length: rng.int(0, 3) }, (_, i) => record(pointer(12), TYPE.A, 60, ipv4(i)));
      const [qd, an] = rng.pick([[1, records.length + rng.int(1, 100)], [0, records.length], [2, records.length], [1, 0xffff]]) as [number, number];
      return Buffer.concat([head(an, qd), q(), ...records]);
    }
    case 'bad-edns': {
      const options = ednsOption(rng.int(0, 20), rng.bytes(rng.int(0, 8)), rng.int(0, 300));
      return Buffer.concat([head(1, 1, 1), q(), record(pointer(12), TYPE.A, 60, ipv4(7)), opt(rng.int(0, 0xffff), options, rng.int(0, 600), rng.int(0, 255))]);
    }
    case 'oversized': {
      // up to ~64 KB, the largest a UDP datagram can carry; mostly smaller, as decoding thousands
      // of records is what a million cases would spend their time on
      const count = rng.next() < 0.05 ? 4_000 : rng.int(100, 400);
      return Buffer.concat([head(count), q(), aRecords(count)]);
    }
    case 'bit-flip':
      return flipBits(rng, validAnswer(id, qname, qtype, rng.int(1, 10)));
    case 'bad-rdata': {
      // an A record of 3 or 17 bytes, an AAAA of 4, a CNAME whose target runs off the end
      const rdata = rng.pick([[TYPE.A, rng.bytes(3)], [TYPE.A, rng.bytes(17)], [TYPE.AAAA, rng.bytes(4)], [TYPE.CNAME, Buffer.from([40, 0x61])]] as const);
      return Buffer.concat([head(1), q(), record(pointer(12), rdata[0], 60, rdata[1])]);
    }
    case 'cname-loop': {
      const hops = rng.int(2, 100);
      const names = Array.from({ length: hops }, (_, i) => `h${i}.loop.test`);
      const records = names.map((n, i) => record(name(i === 0 ? qname : n), TYPE.CNAME, 60, name(names[(i + 1) % hops]!)));
      return Buffer.concat([head(records.length + 1), q(), ...records, record(pointer(12), TYPE.A, 60, ipv4(9))]);
    }
    case 'wrong-id':
      return validAnswer((id + rng.int(1, 0xfffe)) & 0xffff, qname, qtype, 1);
    case 'wrong-question':
      return validAnswer(id, `${label(rng)}.evil.test`, qtype, 1);
  }
}
