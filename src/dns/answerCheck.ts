// Is this message the answer to the query we sent? The id alone is 16 bits; the question must
// match too (name compared case-insensitively: some resolvers randomise case, RFC 0x20 draft),
// and it must come from the server we asked. Anything else is a forgery or a stray and is
// discarded and counted, never released to a client.
import dnsPacket, { type DecodedPacket, type Question } from 'dns-packet';
import { countsFit } from './wireCounts.js';

export type AnswerCheck =
  | { ok: true; packet: DecodedPacket }
  | { ok: false; reason: 'undecodable' | 'not-a-response' | 'id' | 'question' };

const sameName = (a: string, b: string) => a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');

export function checkAnswer(message: Buffer, expectedId: number, question: Question): AnswerCheck {
  if (message.length < 12) return { ok: false, reason: 'undecodable' };
  if (message.readUInt16BE(0) !== expectedId) return { ok: false, reason: 'id' };
  if (!countsFit(message)) return { ok: false, reason: 'undecodable' };
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(message);
  } catch {
    return { ok: false, reason: 'undecodable' };
  }
  if (packet.type !== 'response') return { ok: false, reason: 'not-a-response' };
  const echoed = packet.questions?.[0];
  if (
    packet.questions?.length !== 1 ||
    echoed === undefined ||
    !sameName(echoed.name, question.name) ||
    echoed.type !== question.type ||
    (echoed.class ?? 'IN') !== (question.class ?? 'IN')
  ) {
    return { ok: false, reason: 'question' };
  }
  return { ok: true, packet };
}
