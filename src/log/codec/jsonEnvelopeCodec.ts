// Envelopes as their JSON text: what Kafka consumers read. Kept for the dns topic, where events
// are looked at one by one and the text is what is forwarded. The DNS events themselves, two per
// proxied query, are written by dnsEnvelopeJson.ts; anything else by JSON.stringify.
import type { Envelope } from '../envelope.js';
import type { DnsEventType } from '../events.js';
import { writeDnsEnvelopeJson } from './dnsEnvelopeJson.js';
import type { ValueCodec } from './valueCodec.js';

export const jsonEnvelopeCodec: ValueCodec<Envelope> = {
  id: 2,
  name: 'json-envelope',
  encoder: () => (value, out) => {
    if (value.type === 'dns.request' || value.type === 'dns.response') writeDnsEnvelopeJson(value as Envelope<DnsEventType>, out);
    else out.utf8(JSON.stringify(value));
  },
  decoder: () => (buf, start, end) => JSON.parse(buf.toString('utf8', start, end)) as Envelope,
};
