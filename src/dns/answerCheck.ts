// Is this message the answer to the query we sent? The id alone is 16 bits; the question must
// match too (name compared case-insensitively: some resolvers randomise case, RFC 0x20 draft),
// and it must come from the server we asked. Anything else is a forgery or a stray and is
// discarded and counted, never released to a client.
import { readMessage, WireError, type WireMessage, type WireQuestion } from './wire.js';
import { countsFit } from './wireCounts.js';

export type AnswerCheck =
  | { ok: true; packet: WireMessage }
  | { ok: false; reason: 'undecodable' | 'not-a-response' | 'id' | 'question' };

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
