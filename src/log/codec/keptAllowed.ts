// fqdn.allowed entries as replay keeps them: the plain fields, and the four text fields (event
// id, event time, expiresAt, dnsEventId) still as bytes in the read buffer they were decoded
// from, decoded only when read. Replay folds millions of events and most allowed entries are
// expired again soon after; decoding four strings for each of them (a latin1 copy of the record
// and four slices of it) was the largest allocation of replay and most of its GC time.
//
// The buffer must outlive the entry: replay reads through a pool whose buffers it takes back
// only after AllowList.materialize() has turned every kept entry into a plain one (see
// replay/replay.ts), which it does every so often and at the end, so nothing outside replay sees
// one of these.
import type { FqdnAllowedData } from '../events.js';
import { strFieldAt } from './bytes.js';

/** An allow entry as the fold keeps it (the shape of replay's AllowEntry). */
export interface AllowedFields extends FqdnAllowedData {
  eventId: string;
  allowedAt: string;
}

export class KeptAllowed implements AllowedFields {
  constructor(
    readonly endpointId: number,
    readonly name: string,
    readonly ip: string,
    readonly selector: string,
    readonly ttlSec: number,
    private readonly buf: Buffer,
    private readonly idAt: number,
    private readonly timeAt: number,
    private readonly expiresAtAt: number,
    private readonly dnsEventIdAt: number,
  ) {}

  get eventId(): string { return strFieldAt(this.buf, this.idAt); }
  get allowedAt(): string { return strFieldAt(this.buf, this.timeAt); }
  get expiresAt(): string { return strFieldAt(this.buf, this.expiresAtAt); }
  get dnsEventId(): string { return strFieldAt(this.buf, this.dnsEventIdAt); }

  /** The plain entry, every field decoded (in the field order of foldEvent's own entries). */
  toPlain(): AllowedFields {
    return {
      endpointId: this.endpointId, name: this.name, ip: this.ip, selector: this.selector, expiresAt: this.expiresAt,
      ttlSec: this.ttlSec, dnsEventId: this.dnsEventId, eventId: this.eventId, allowedAt: this.allowedAt,
    };
  }
}
