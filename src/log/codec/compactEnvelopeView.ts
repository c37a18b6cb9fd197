// The view decoder of the compact envelope codec: one reused Envelope whose string fields (id,
// time, causeId, expiresAt, dnsEventId) are decoded only when read. Replay folds millions of
// events and most of them (fqdn.expired) need nothing but refs and numbers; building a fresh
// envelope, data object and five strings per event made the garbage collector the largest cost
// of replay. Refs are still read eagerly, in order, because each DEFINE extends the frame's table.
//
// The strings a fold does read (an fqdn.allowed keeps four: id, time, expiresAt, dnsEventId) are
// cut from one latin1 copy of the record with substring(), which V8 makes a slice of that copy:
// one native call per record instead of one per field (each costs about 70 ns). The price is that
// the kept strings hold the record's text (under 200 bytes) alive with them.
//
// The buffer behind a view is the frame scanner's chunk, which is never reused, so a getter read
// late (within the visit) still sees the right bytes; the view itself is overwritten by the next
// record, so whatever a fold keeps must be copied out of it (strings are: they are immutable).
import type { Envelope } from '../envelope.js';
import { eventTypes, type EventType, type FqdnAllowedData, type FqdnExpiredData, type FqdnExpiryReason } from '../events.js';
import { ASCII_BIT, ByteReader, MAX_STR_BYTES } from './bytes.js';
import { ENDPOINT_ID, FQDN_ALLOWED, FQDN_EXPIRED, OTHER_TYPE, readRef } from './compactLayout.js';
import type { DecodeFn } from './valueCodec.js';
import { KeptAllowed } from './keptAllowed.js';

interface Latin1Slice { latin1Slice(start: number, end: number): string }

/** Lazily decoded str() fields of the current record (see the header comment). */
class RecordText {
  start = 0;
  end = 0;
  private text: string | null = null;
  constructor(private readonly r: ByteReader) {}
  reset(start: number, end: number): void { this.start = start; this.end = end; this.text = null; }
  buf(): Buffer { return this.r.buf; }
  field(at: number): string {
    const b = this.r.buf;
    const header = b[at]! | (b[at + 1]! << 8);
    if ((header & ASCII_BIT) === 0) return this.r.strAt(at);
    this.text ??= (b as unknown as Latin1Slice).latin1Slice(this.start, this.end);
    const from = at + 2 - this.start;
    return this.text.substring(from, from + (header & MAX_STR_BYTES));
  }
}

class AllowedView implements FqdnAllowedData {
  endpointId = 0;
  name = '';
  ip = '';
  selector = '';
  ttlSec = 0;
  expiresAtAt = 0;
  dnsEventIdAt = 0;
  constructor(private readonly text: RecordText) {}
  get expiresAt(): string { return this.text.field(this.expiresAtAt); }
  get dnsEventId(): string { return this.text.field(this.dnsEventIdAt); }
  toJSON(): FqdnAllowedData {
    const { endpointId, name, ip, selector, expiresAt, ttlSec, dnsEventId } = this;
    return { endpointId, name, ip, selector, expiresAt, ttlSec, dnsEventId };
  }
}

class EnvelopeView implements Envelope {
  schemaVersion = 0;
  type: EventType = 'map.resync';
  node = '';
  seq = 0;
  data: Envelope['data'] = { id: 0 };
  idAt = 0;
  timeAt = 0;
  /** -1: no cause. */
  causeAt = -1;
  readonly allowed: AllowedView;
  readonly expired: FqdnExpiredData = { endpointId: 0, name: '', ip: '', reason: 'ttl' };
  readonly endpoint = { id: 0 };
  constructor(readonly text: RecordText) { this.allowed = new AllowedView(text); }
  /**
   * The current fqdn.allowed record as an entry a fold may keep past this visit, its text read
   * from the record's buffer when asked (keptAllowed.ts): only for scans whose read buffers
   * outlive what is kept (replay's chunk pool).
   */
  keepAllowed(): KeptAllowed {
    const d = this.allowed;
    return new KeptAllowed(d.endpointId, d.name, d.ip, d.selector, d.ttlSec, this.text.buf(), this.idAt, this.timeAt, d.expiresAtAt, d.dnsEventIdAt);
  }
  get id(): string { return this.text.field(this.idAt); }
  get time(): string { return this.text.field(this.timeAt); }
  get causeId(): string | null { return this.causeAt < 0 ? null : this.text.field(this.causeAt); }
}

export function compactEnvelopeViewDecoder(): DecodeFn<Envelope> {
  const table: string[] = [];
  const r = new ByteReader(Buffer.alloc(0), 0, 0);
  const text = new RecordText(r);
  const v = new EnvelopeView(text);
  return (buf, start, end) => {
    r.buf = buf; r.pos = start; r.end = end;
    text.reset(start, end);
    v.schemaVersion = r.u8();
    const code = r.u8();
    v.type = (code === OTHER_TYPE ? r.str() : eventTypes[code]!) as EventType;
    v.idAt = r.skipStr();
    v.timeAt = r.skipStr();
    v.node = readRef(r, table);
    v.seq = r.f64();
    v.causeAt = r.u8() === 1 ? r.skipStr() : -1;
    switch (r.u8()) {
      case FQDN_ALLOWED: {
        const d = v.allowed;
        d.endpointId = r.u32(); d.name = readRef(r, table); d.ip = readRef(r, table); d.selector = readRef(r, table);
        d.expiresAtAt = r.skipStr(); d.ttlSec = r.f64(); d.dnsEventIdAt = r.skipStr();
        v.data = d;
        break;
      }
      case FQDN_EXPIRED: {
        const d = v.expired;
        d.endpointId = r.u32(); d.name = readRef(r, table); d.ip = readRef(r, table); d.reason = readRef(r, table) as FqdnExpiryReason;
        v.data = d;
        break;
      }
      case ENDPOINT_ID:
        v.endpoint.id = r.u32();
        v.data = v.endpoint;
        break;
      default:
        v.data = JSON.parse(r.longStr());
    }
    return v;
  };
}
