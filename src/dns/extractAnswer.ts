// The addresses of an answer, attributed to the queried name: CNAME records are followed from the
// question name, the A/AAAA records of the chain's last name are taken, and the TTL is the
// smallest of every record used. Records off the chain are ignored: a resolver must not make us
// allow an address for a name nobody asked about.
import type { DecodedPacket } from 'dns-packet';
import { rcodeOf } from './message.js';

export interface ExtractedAnswer {
  rcode: string;
  /** Each address with its record type and own TTL. */
  addresses: { ip: string; type: 'A' | 'AAAA'; ttl: number }[];
  /** The chain followed from the question name, in order. */
  cnames: string[];
  /** Smallest TTL over the chain and the addresses; undefined when there are no addresses. */
  ttlSec: number | undefined;
}

const MAX_CHAIN = 16;
const key = (name: string) => name.toLowerCase().replace(/\.$/, '');

export function extractAnswer(packet: DecodedPacket, questionName: string): ExtractedAnswer {
  const rcode = rcodeOf(packet);
  // Narrowed by hand: dns-packet's Answer union includes OPT, which has no class, ttl or data.
  const records = (packet.answers ?? []).flatMap((a) => {
    const r = a as { type: string; name: string; class?: string; ttl?: number; data?: unknown };
    return r.type !== 'OPT' && (r.class ?? 'IN') === 'IN' ? [r] : [];
  });
  const cnames: string[] = [];
  let minTtl = Infinity;
  let current = key(questionName);
  const seen = new Set([current]);
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const cname = records.find((r) => r.type === 'CNAME' && key(r.name) === current);
    if (cname === undefined || typeof cname.data !== 'string') break;
    const target = key(cname.data);
    if (seen.has(target)) break;
    seen.add(target);
    cnames.push(target);
    minTtl = Math.min(minTtl, cname.ttl ?? 0);
    current = target;
  }
  const addresses: ExtractedAnswer['addresses'] = [];
  if (rcode === 'NOERROR') {
    for (const record of records) {
      if ((record.type === 'A' || record.type === 'AAAA') && key(record.name) === current && typeof record.data === 'string') {
        addresses.push({ ip: record.data, type: record.type, ttl: record.ttl ?? 0 });
        minTtl = Math.min(minTtl, record.ttl ?? 0);
      }
    }
  }
  return { rcode, addresses, cnames, ttlSec: addresses.length === 0 ? undefined : minTtl };
}
