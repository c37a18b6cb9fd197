// Is this message the answer to the query we sent? The id alone is 16 bits; the question must
// match too (name compared case-insensitively: some resolvers randomise case, RFC 0x20 draft),
// and it must come from the server we asked. Anything else is a forgery or a stray and is
// discarded and counted, never released to a client.
import { readMessage, sameName, WireError, type WireMessage, type WireQuestion } from './wire.js';
import { countsFit } from './wireCounts.js';

export type AnswerCheck =
  | { ok: true; packet: WireMessage }
  | { ok: false; reason: 'undecodable' | 'not-a-response' | 'id' | 'question' };

export function checkAnswer(message: Buffer, expectedId: number, question: WireQuestion): AnswerCheck {
  if (message.length < 12) return { ok: false, reason: 'undecodable' };
  if (message.readUInt16BE(0) !== expectedId) return { ok: false, reason: 'id' };
  if (!countsFit(message)) return { ok: false, reason: 'undecodable' };
  let packet: WireMessage;
  try {
    packet = readMessage(message);
  } catch (err) {
    if (err instanceof WireError) return { ok: false, reason: 'undecodable' };
    throw err;
  }
  if (!packet.response) return { ok: false, reason: 'not-a-response' };
  const echoed = packet.questions[0];
  if (
    packet.questions.length !== 1 ||
    echoed === undefined ||
    !sameName(echoed.name, question.name) ||
    echoed.type !== question.type ||
    echoed.class !== question.class
  ) {
    return { ok: false, reason: 'question' };
  }
  return { ok: true, packet };
}
