// Hand-made DNS wire pieces for the fuzzer. dns-packet's encoder refuses (or repairs) most of
// what we want to send, so headers, names and records are written byte by byte here, and each
// piece can lie: counts that do not match, lengths past the end, pointers that loop.

export const TYPE = { A: 1, CNAME: 5, OPT: 41, AAAA: 28, TXT: 16 } as const;

export function header(id: number, flags: number, qd: number, an: number, ns: number, ar: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id & 0xffff, 0);
  h.writeUInt16BE(flags & 0xffff, 2);
  h.writeUInt16BE(qd & 0xffff, 4);
  h.writeUInt16BE(an & 0xffff, 6);
  h.writeUInt16BE(ns & 0xffff, 8);
  h.writeUInt16BE(ar & 0xffff, 10);
  return h;
}

/** Uncompressed labels; a label's length byte is written as given, even past 63. */
export function name(text: string): Buffer {
  const parts = text.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
  return Buffer.concat([...parts.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l) & 0xff]), Buffer.from(l)])), Buffer.from([0])]);
}

/** A compression pointer to `offset` (RFC 1035 4.1.4). */
export const pointer = (offset: number) => Buffer.from([0xc0 | ((offset >> 8) & 0x3f), offset & 0xff]);

export function question(owner: Buffer, type: number, klass = 1): Buffer {
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(klass, 2);
  return Buffer.concat([owner, tail]);
}

/** A resource record; `rdlength` may differ from the data's real length. */
export function record(owner: Buffer, type: number, ttl: number, rdata: Buffer, rdlength = rdata.length, klass = 1): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(klass & 0xffff, 2);
  fixed.writeUInt32BE(ttl >>> 0, 4);
  fixed.writeUInt16BE(rdlength & 0xffff, 8);
  return Buffer.concat([owner, fixed, rdata]);
}

/** An EDNS OPT pseudo-record (RFC 6891): class = UDP size, TTL = ext-rcode/version/flags. */
export function opt(udpSize: number, options: Buffer, rdlength = options.length, version = 0): Buffer {
  return record(Buffer.from([0]), TYPE.OPT, (version & 0xff) << 16, options, rdlength, udpSize);
}

export function ednsOption(code: number, data: Buffer, length = data.length): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(code, 0);
  h.writeUInt16BE(length & 0xffff, 2);
  return Buffer.concat([h, data]);
}

export const ipv4 = (n: number) => Buffer.from([10, (n >> 16) & 255, (n >> 8) & 255, n & 255]);

export const RD = 0x0100;
export const QR = 0x8000;
export const RA = 0x0080;
