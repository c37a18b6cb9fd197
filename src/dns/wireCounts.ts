// A cheap check before dns-packet decodes a message: do the header's section counts fit the
// message at all? dns-packet allocates an array per section sized by the count before it reads a
// record, so a 12-byte header claiming 65,535 entries in each section costs four 65,535-slot
// arrays (about 2 MB) per datagram before it fails. The smallest question is 5 bytes (root name,
// type, class) and the smallest record 11 (root name, type, class, TTL, rdlength), so counts
// that need more bytes than the message has are rejected up front as undecodable.
const QUESTION_MIN_BYTES = 5;
const RECORD_MIN_BYTES = 11;
const HEADER_BYTES = 12;

/** `message` must be at least 12 bytes long. */
export function countsFit(message: Buffer): boolean {
  const questions = message.readUInt16BE(4);
  const records = message.readUInt16BE(6) + message.readUInt16BE(8) + message.readUInt16BE(10);
  return HEADER_BYTES + questions * QUESTION_MIN_BYTES + records * RECORD_MIN_BYTES <= message.length;
}
