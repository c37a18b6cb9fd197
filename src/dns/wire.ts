// Reading DNS messages for the proxy's hot path: the header, the question and the answer
// section, read straight off the wire. dns-packet decodes every section into objects (a header
// with a dozen flag fields, every authority and additional record, EDNS options), about a
// kilobyte of garbage per message; the proxy looks at none of it but the question and the
// answers, and the proxy thread's young-generation collections were its latency tail (a ~1 ms
// pause every ~100 ms at 10k queries/s). The authority and additional sections are walked (their
// names and lengths must hold together, and EDNS options their OPT record) but not decoded: a
// record there that is otherwise malformed is the resolver's to judge, as with any forwarder.
//
// What is decoded reads as dns-packet reads it (type, class and rcode names, A and AAAA text,
// names with compression): events and rules see the same strings as before (wire.test.ts compares
// the two on generated messages). Records of other types in the answer section, rare in answers
// to A and AAAA questions, are handed to dns-packet's record decoder.
import dnsPacket from 'dns-packet';
import classes from 'dns-packet/classes.js';
import rcodes from 'dns-packet/rcodes.js';
import types from 'dns-packet/types.js';

export interface WireQuestion {
  name: string;
  type: string;
  class: string;
}

/** An answer-section record other than OPT, as dns-packet gives it (data: text for A, AAAA and names). */
export interface WireRecord {
  name: string;
  type: string;
  class: string;
  ttl: number;
  data: unknown;
}

export interface WireMessage {
  id: number;
  /** The flags word without the QR bit (dns-packet's `flags`). */
  flags: number;
  response: boolean;
  rcode: string;
  questions: WireQuestion[];
  /** The answer section without OPT records. */
  answers: WireRecord[];
}

/** The message does not hold together (a name, a record or a count runs past its end). */
export class WireError extends Error {}

const HEADER_BYTES = 12;
const QR = 0x8000;
const POINTER = 0xc0;
const MAX_NAME = 254;
const TYPE_A = 1;
const TYPE_NS = 2;
const TYPE_CNAME = 5;
const TYPE_PTR = 12;
const TYPE_AAAA = 28;
const TYPE_DNAME = 39;
const TYPE_OPT = 41;
const NOT_FLUSH = 0x7fff;
// dns-packet's decoder of one record (exported, but not in its type declarations)
const recordDecoder = (dnsPacket as unknown as { answer: { decode(buf: Buffer, offset: number): { data?: unknown } } }).answer;

/** Where the name last walked by walkName ends in the message (past its pointer, if it has one). */
let nameEnd = 0;

/**
 * Walks the name at `at` with dns-packet's checks (labels inside the message, at most 254
 * bytes, pointers only backwards, so no loop) and sets nameEnd. With `spell`, returns the name as
 * dns-packet spells it (labels joined by dots, '.' for the root); without, '' and no strings made.
 */
function walkName(buf: Buffer, at: number, spell: boolean): string {
  let offset = at;
  let start = at;
  let total = 0;
  let end = -1;
  let name = '';
  for (;;) {
    if (offset >= buf.length) throw new WireError('name runs past the message');
    const len = buf[offset++]!;
    if (len === 0) break;
    if ((len & POINTER) === 0) {
      if (offset + len > buf.length) throw new WireError('label runs past the message');
      total += len + 1;
      if (total > MAX_NAME) throw new WireError('name too long');
      if (spell) {
        const label = buf.toString('utf8', offset, offset + len);
        name = name.length === 0 ? label : `${name}.${label}`;
      }
      offset += len;
    } else if ((len & POINTER) === POINTER) {
      if (offset + 1 > buf.length) throw new WireError('pointer runs past the message');
      const target = buf.readUInt16BE(offset - 1) - 0xc000;
      if (target >= start) throw new WireError('bad name pointer');
      if (end < 0) end = offset + 1;
      offset = target;
      start = target;
    } else {
      throw new WireError('bad label');
    }
  }
  nameEnd = end < 0 ? offset : end;
  return spell && name.length === 0 ? '.' : name;
}

const readName = (buf: Buffer, at: number) => walkName(buf, at, true);

/** Equal as DNS names: ASCII case folded (RFC 4343), a trailing dot ignored. */
export function sameName(a: string, b: string): boolean {
  let la = a.length;
  let lb = b.length;
  if (la > 0 && a.charCodeAt(la - 1) === 0x2e) la--;
  if (lb > 0 && b.charCodeAt(lb - 1) === 0x2e) lb--;
  if (la !== lb) return false;
  for (let i = 0; i < la; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}

/** An IPv6 address as dns-packet (ip-codec) writes it: the first run of two or more zero groups as '::'. */
function ipv6Text(buf: Buffer, at: number): string {
  let runStart = -1;
  let runLength = 0;
  for (let g = 0; g < 8 && runLength < 2; g++) {
    if (buf.readUInt16BE(at + g * 2) !== 0) {
      runStart = -1;
      runLength = 0;
      continue;
    }
    if (runStart < 0) runStart = g;
    runLength++;
  }
  // extend the first run that reached two groups to its end
  if (runLength >= 2) while (runStart + runLength < 8 && buf.readUInt16BE(at + (runStart + runLength) * 2) === 0) runLength++;
  else runStart = -1;
  let text = '';
  for (let g = 0; g < 8; g++) {
    if (g === runStart) {
      text += '::';
      g += runLength - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += buf.readUInt16BE(at + g * 2).toString(16);
  }
  return text;
}

function readRecord(buf: Buffer, at: number, type: number, rdata: number, rdlength: number): unknown {
  switch (type) {
    case TYPE_A:
      if (rdlength !== 4) throw new WireError('A record of the wrong length');
      return `${buf[rdata]}.${buf[rdata + 1]}.${buf[rdata + 2]}.${buf[rdata + 3]}`;
    case TYPE_AAAA:
      if (rdlength !== 16) throw new WireError('AAAA record of the wrong length');
      return ipv6Text(buf, rdata);
    case TYPE_CNAME:
    case TYPE_DNAME:
    case TYPE_NS:
    case TYPE_PTR:
      return readName(buf, rdata);
    default:
      try {
        return recordDecoder.decode(buf, at).data;
      } catch (err) {
        throw new WireError(`undecodable ${types.toString(type)} record: ${(err as Error).message}`);
      }
  }
}

/** EDNS options (code, length, data) must fill the OPT record exactly: the proxy passes EDNS on. */
function checkOptions(buf: Buffer, from: number, to: number): void {
  let at = from;
  while (at < to) {
    if (at + 4 > to) throw new WireError('EDNS option header runs past its record');
    at += 4 + buf.readUInt16BE(at + 2);
  }
  if (at !== to) throw new WireError('EDNS option runs past its record');
}

/**
 * Reads a message's header, questions and answer section and checks that the rest holds
 * together. Throws WireError when it does not: the caller treats the message as undecodable.
 */
export function readMessage(buf: Buffer): WireMessage {
  if (buf.length < HEADER_BYTES) throw new WireError('shorter than a header');
  const word = buf.readUInt16BE(2);
  const qdcount = buf.readUInt16BE(4);
  const ancount = buf.readUInt16BE(6);
  const others = buf.readUInt16BE(8) + buf.readUInt16BE(10);
  const questions: WireQuestion[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < qdcount; i++) {
    const name = readName(buf, at);
    at = nameEnd;
    if (at + 4 > buf.length) throw new WireError('question runs past the message');
    questions.push({ name, type: types.toString(buf.readUInt16BE(at)), class: classes.toString(buf.readUInt16BE(at + 2)) });
    at += 4;
  }
  const answers: WireRecord[] = [];
  for (let i = 0; i < ancount + others; i++) {
    const start = at;
    // the owner's name is spelled only for answers (as the read below does again: nameEnd is
    // module state, and the record's data may hold a name too)
    walkName(buf, at, false);
    at = nameEnd;
    if (at + 10 > buf.length) throw new WireError('record runs past the message');
    const type = buf.readUInt16BE(at);
    const rdlength = buf.readUInt16BE(at + 8);
    const rdata = at + 10;
    if (rdata + rdlength > buf.length) throw new WireError('record data runs past the message');
    if (type === TYPE_OPT) checkOptions(buf, rdata, rdata + rdlength);
    else if (i < ancount) {
      answers.push({
        name: readName(buf, start),
        type: types.toString(type),
        class: classes.toString(buf.readUInt16BE(at + 2) & NOT_FLUSH),
        ttl: buf.readUInt32BE(at + 4),
        data: readRecord(buf, start, type, rdata, rdlength),
      });
    }
    at = rdata + rdlength;
  }
  return { id: buf.readUInt16BE(0), flags: word & 0x7fff, response: (word & QR) !== 0, rcode: rcodes.toString(word & 0xf), questions, answers };
}
