// The envelope every dns and policy-changes event travels in (streams/envelope.schema.json is the
// same contract for other languages). Flows travel as Hubble records instead; their id is the
// flow's `uuid` (see hubble/flowRecord.ts).
import { newEventId } from './eventId.js';
import { formatTimeMs } from './time.js';
import type { EventDataByType, EventType } from './events.js';

/** Bumped on any incompatible change of the envelope or of an event's data; see streams/README.md. */
export const SCHEMA_VERSION = 1;

export interface Envelope<T extends EventType = EventType> {
  schemaVersion: number;
  type: T;
  /** UUIDv7; consumers drop duplicates by it (Kafka delivery is at least once). */
  id: string;
  /** RFC3339 UTC with nanoseconds. */
  time: string;
  node: string;
  /** Per node, across the dns and policy-changes topics; continues after a restart. */
  seq: number;
  /** The event that caused this one (the dns.response behind an fqdn.allowed), or null. */
  causeId: string | null;
  data: EventDataByType[T];
}

/** An event before the log stamps it with id, time, node and seq. */
export interface EventDraft<T extends EventType = EventType> {
  type: T;
  data: EventDataByType[T];
  causeId?: string | null;
  /** Epoch ms; defaults to the stamper's clock. */
  timeMs?: number;
  /** An id assigned before publishing (the DNS proxy names its events so that fqdn.allowed can
   * point at them before they are stored); a new one otherwise. */
  id?: string;
}

export interface EnvelopeStamper {
  stamp<T extends EventType>(draft: EventDraft<T>): Envelope<T>;
  /** The seq the next event will get. */
  readonly nextSeq: number;
}

/** Stamps drafts for one node. `firstSeq` comes from the local log (the last seq + 1) on restart. */
export function createEnvelopeStamper(node: string, firstSeq = 1, nowMs: () => number = Date.now): EnvelopeStamper {
  let seq = firstSeq;
  return {
    stamp<T extends EventType>(draft: EventDraft<T>): Envelope<T> {
      const timeMs = draft.timeMs ?? nowMs();
      return {
        schemaVersion: SCHEMA_VERSION,
        type: draft.type,
        id: draft.id ?? newEventId(timeMs),
        time: formatTimeMs(timeMs),
        node,
        seq: seq++,
        causeId: draft.causeId ?? null,
        data: draft.data,
      };
    },
    get nextSeq() {
      return seq;
    },
  };
}
