// A binary form of the envelope for the policy-changes topic, whose replay must rebuild agent
// state at millions of events per second: JSON.parse alone manages about one million per second
// on this machine. Strings that repeat (node, names, addresses, selectors) are defined once per
// frame and then referenced by number; the hot event types have fixed layouts; the rest carry
// their data as JSON. The forwarder turns values back into JSON for Kafka, so consumers never
// see this form.
//
// Record value: u8 schemaVersion, u8 typeCode (index in eventTypes), str type (only if the code is
// 255), str id, str time, ref node, f64 seq, u8 hasCause [str causeId], then the data.
import type { Envelope } from '../envelope.js';
import { eventTypes, type EventType, type FqdnAllowedData, type FqdnExpiredData } from '../events.js';
import { ByteReader } from './bytes.js';
import { compactEnvelopeViewDecoder } from './compactEnvelopeView.js';
import {
  dataLayout, ENDPOINT_ID, FQDN_ALLOWED, FQDN_EXPIRED, OTHER_TYPE, readRef, typeCodes, writeRef, type Strings,
} from './compactLayout.js';
import type { ValueCodec } from './valueCodec.js';

export const compactEnvelopeCodec: ValueCodec<Envelope> = {
  id: 3,
  name: 'compact-envelope',
  encoder() {
    const t: Strings = { refs: new Map() };
    return (e, out) => {
      out.u8(e.schemaVersion);
      const code = typeCodes.get(e.type) ?? OTHER_TYPE;
      out.u8(code);
      if (code === OTHER_TYPE) out.str(e.type);
      out.str(e.id);
      out.str(e.time);
      writeRef(e.node, out, t);
      out.f64(e.seq);
      if (e.causeId === null) out.u8(0);
      else { out.u8(1); out.str(e.causeId); }
      const layout = dataLayout(e.type, e.data);
      out.u8(layout);
      switch (layout) {
        case FQDN_ALLOWED: {
          const d = e.data as FqdnAllowedData;
          out.u32(d.endpointId); writeRef(d.name, out, t); writeRef(d.ip, out, t); writeRef(d.selector, out, t);
          out.str(d.expiresAt); out.f64(d.ttlSec); out.str(d.dnsEventId);
          break;
        }
        case FQDN_EXPIRED: {
          const d = e.data as FqdnExpiredData;
          out.u32(d.endpointId); writeRef(d.name, out, t); writeRef(d.ip, out, t); writeRef(d.reason, out, t);
          break;
        }
        case ENDPOINT_ID:
          out.u32((e.data as { id: number }).id);
          break;
        default:
          out.longStr(JSON.stringify(e.data));
      }
    };
  },
  decoder() {
    const table: string[] = [];
    const r = new ByteReader(Buffer.alloc(0), 0, 0);
    return (buf, start, end) => {
      r.buf = buf; r.pos = start; r.end = end;
      const schemaVersion = r.u8();
      const code = r.u8();
      const type = (code === OTHER_TYPE ? r.str() : eventTypes[code]!) as EventType;
      const id = r.str();
      const time = r.str();
      const node = readRef(r, table);
      const seq = r.f64();
      const causeId = r.u8() === 1 ? r.str() : null;
      let data: unknown;
      switch (r.u8()) {
        case FQDN_ALLOWED:
          data = {
            endpointId: r.u32(), name: readRef(r, table), ip: readRef(r, table), selector: readRef(r, table),
            expiresAt: r.str(), ttlSec: r.f64(), dnsEventId: r.str(),
          };
          break;
        case FQDN_EXPIRED:
          data = { endpointId: r.u32(), name: readRef(r, table), ip: readRef(r, table), reason: readRef(r, table) };
          break;
        case ENDPOINT_ID:
          data = { id: r.u32() };
          break;
        default:
          data = JSON.parse(r.longStr());
      }
      return { schemaVersion, type, id, time, node, seq, causeId, data } as Envelope;
    };
  },
  viewDecoder: compactEnvelopeViewDecoder,
};
