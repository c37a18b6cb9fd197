// The parts of the compact envelope format (compactEnvelopeCodec.ts) that its eager decoder and
// its view decoder (compactEnvelopeView.ts) share: the string table, type codes and data layouts.
import { eventTypes, type EventType } from '../events.js';
import type { ByteReader, ByteWriter } from './bytes.js';

export const DEFINE = 0xffff;
export const INLINE = 0xfffe;
export const typeCodes = new Map<string, number>(eventTypes.map((t, i) => [t, i]));
export const OTHER_TYPE = 255;

export interface Strings { refs: Map<string, number> }

export function writeRef(s: string, out: ByteWriter, t: Strings): void {
  const ref = t.refs.get(s);
  if (ref !== undefined) { out.u16(ref); return; }
  if (t.refs.size >= INLINE) { out.u16(INLINE); out.str(s); return; }
  t.refs.set(s, t.refs.size);
  out.u16(DEFINE);
  out.str(s);
}

/** Refs must be read in record order: a DEFINE adds to the frame's table. */
export function readRef(r: ByteReader, table: string[]): string {
  const ref = r.u16();
  if (ref === DEFINE) { const s = r.str(); table.push(s); return s; }
  if (ref === INLINE) return r.str();
  return table[ref]!;
}

const isU32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

// Data layouts. Layout 0 = JSON text; the others are fixed field lists, chosen only when every
// field has the type the layout needs, so an odd value falls back to JSON instead of being mangled.
export const JSON_DATA = 0;
export const FQDN_ALLOWED = 1;
export const FQDN_EXPIRED = 2;
export const ENDPOINT_ID = 3;

// str() holds up to 32767 bytes; longer strings (none in practice) go through JSON.
const isShort = (s: unknown): s is string => typeof s === 'string' && s.length <= 4096;

export function dataLayout(type: EventType, data: unknown): number {
  const d = data as Record<string, unknown>;
  if (type === 'fqdn.allowed' && isU32(d.endpointId) && isShort(d.name) && isShort(d.ip)
    && isShort(d.selector) && isShort(d.expiresAt) && typeof d.ttlSec === 'number'
    && isShort(d.dnsEventId) && Object.keys(d).length === 7) return FQDN_ALLOWED;
  if (type === 'fqdn.expired' && isU32(d.endpointId) && isShort(d.name) && isShort(d.ip)
    && isShort(d.reason) && Object.keys(d).length === 4) return FQDN_EXPIRED;
  if (type === 'endpoint.removed' && isU32(d.id) && Object.keys(d).length === 1) return ENDPOINT_ID;
  return JSON_DATA;
}
