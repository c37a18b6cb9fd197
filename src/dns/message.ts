// Reading queries and writing the replies the proxy makes up itself (REFUSED, NXDOMAIN, SERVFAIL,
// FORMERR). Upstream answers are never re-encoded: the proxy forwards their bytes with only the
// id changed, so EDNS options, the TC bit and record order reach the client untouched.
import dnsPacket from 'dns-packet';
import { readMessage, WireError, type WireMessage, type WireQuestion } from './wire.js';
import { countsFit } from './wireCounts.js';

export const Rcode = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type RcodeName = keyof typeof Rcode;

const QR = 0x8000;
const OPCODE_MASK = 0x7800;
const RD = 0x0100;
const RA = 0x0080;
const CD = 0x0010;
const HEADER_BYTES = 12;

export type ParsedQuery =
  | { ok: true; packet: WireMessage; question: WireQuestion }
  /** `id` is set when at least the header could be read, so a FORMERR can be sent back. */
  | { ok: false; reason: 'short' | 'undecodable' | 'not-a-query' | 'question-count' | 'question-name'; id: number | undefined };

/** Decodes a client's message. Never throws: a broken message is a value, counted by the caller. */
export function parseQuery(message: Buffer): ParsedQuery {
  if (message.length < HEADER_BYTES) return { ok: false, reason: 'short', id: undefined };
  const id = message.readUInt16BE(0);
  if ((message.readUInt16BE(2) & QR) !== 0) return { ok: false, reason: 'not-a-query', id: undefined };
  if (!countsFit(message)) return { ok: false, reason: 'undecodable', id };
  let packet: WireMessage;
  try {
    packet = readMessage(message);
  } catch (err) {
    if (err instanceof WireError) return { ok: false, reason: 'undecodable', id };
    throw err;
  }
  const question = packet.questions[0];
  if (question === undefined || packet.questions.length !== 1) return { ok: false, reason: 'question-count', id };
  if (!plainQuestionName(message)) return { ok: false, reason: 'question-name', id };
  return { ok: true, packet, question };
}

/**
 * The question's name as rules.dns will see it must be the name the resolver gets. A decoder
 * joins labels with dots, so a label holding a dot (`allowed.test` as one label) would be matched
 * as two labels while the resolver sees one, and bytes outside printable ASCII have no agreed
 * text form: both are refused (FORMERR) rather than guessed. Names are uncompressed in a question.
 */
function plainQuestionName(message: Buffer): boolean {
  let at = HEADER_BYTES;
  for (;;) {
    const len = message[at];
    if (len === undefined || len > 63) return false;
    if (len === 0) return true;
    for (let i = at + 1; i <= at + len; i++) {
      const c = message[i];
      if (c === undefined || c <= 0x20 || c >= 0x7f || c === 0x2e) return false;
    }
    at += len + 1;
  }
}

/** A reply carrying only a header: for queries too broken to echo their question. */
export function headerOnlyReply(id: number, queryFlags: number, rcode: number): Buffer {
  const reply = Buffer.alloc(HEADER_BYTES);
  reply.writeUInt16BE(id, 0);
  reply.writeUInt16BE(QR | (queryFlags & (OPCODE_MASK | RD)) | RA | rcode, 2);
  return reply;
}

/** A reply echoing the query's question with the given rcode and no records. */
export function syntheticReply(query: WireMessage, rcode: number): Buffer {
  const flags = query.flags & (OPCODE_MASK | RD | CD);
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags: flags | RA | rcode,
    questions: query.questions as dnsPacket.Question[],
  });
}

/** A copy of the message with another id (the upstream leg uses its own random id). */
export function withId(message: Buffer, id: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt16BE(id, 0);
  return copy;
}

export function isTruncated(packet: WireMessage): boolean {
  return (packet.flags & 0x0200) !== 0;
}
