// The addresses of an answer, attributed to the queried name: CNAME records are followed from the
// question name, the A/AAAA records of the chain's last name are taken, and the TTL is the
// smallest of every record used. Records off the chain are ignored: a resolver must not make us
// allow an address for a name nobody asked about.
import { sameName, type WireMessage, type WireRecord } from './wire.js';

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

/** The chain's next link: the IN CNAME record owned by `name`. */
function cnameOf(records: readonly WireRecord[], name: string): WireRecord | undefined {
  for (const r of records) if (r.type === 'CNAME' && r.class === 'IN' && sameName(r.name, name)) return r;
  return undefined;
}

// Names are compared in place (sameName), not lowercased copies: this runs for every answer.
export function extractAnswer(packet: WireMessage, questionName: string): ExtractedAnswer {
  const { rcode, answers: records } = packet;
  const cnames: string[] = [];
  let minTtl = Infinity;
  let current = questionName;
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const cname = cnameOf(records, current);
    if (cname === undefined || typeof cname.data !== 'string') break;
    const target = key(cname.data);
    if (sameName(target, questionName) || cnames.includes(target)) break;
    cnames.push(target);
    minTtl = Math.min(minTtl, cname.ttl);
    current = target;
  }
  const addresses: ExtractedAnswer['addresses'] = [];
  if (rcode === 'NOERROR') {
    for (const record of records) {
      if ((record.type === 'A' || record.type === 'AAAA') && record.class === 'IN' && typeof record.data === 'string' && sameName(record.name, current)) {
        addresses.push({ ip: record.data, type: record.type, ttl: record.ttl });
        minTtl = Math.min(minTtl, record.ttl);
      }
    }
  }
  return { rcode, addresses, cnames, ttlSec: addresses.length === 0 ? undefined : minTtl };
}
