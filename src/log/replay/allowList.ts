// The FQDN allowlist inside AgentState: endpoint id -> ip -> name -> entry (one address can be
// allowed through several names). Nested maps rather than one joined string key: replay folds
// millions of events, and the decoder hands out the same string objects for repeated names and
// addresses, whose hashes V8 has already cached, while a joined key is a new string every time.
// An address allowed through one name (nearly all of them) holds its entry directly: a Map per
// address was the largest allocation of replay, made and dropped with every allow and expiry.

import type { FqdnAllowedData } from '../events.js';
import { KeptAllowed } from '../codec/keptAllowed.js';

/** An fqdn.allowed event's data, with the event's id and time. */
export interface AllowEntry extends FqdnAllowedData {
  /** The fqdn.allowed event and its time. */
  eventId: string;
  allowedAt: string;
}

/** The entries of one address: one entry, or a map by name once there are several. */
type Slot = AllowEntry | Map<string, AllowEntry>;

export class AllowList {
  private readonly byEndpoint = new Map<number, Map<string, Slot>>();
  private count = 0;

  get size(): number { return this.count; }

  set(entry: AllowEntry): void {
    let byIp = this.byEndpoint.get(entry.endpointId);
    if (!byIp) this.byEndpoint.set(entry.endpointId, (byIp = new Map()));
    const slot = byIp.get(entry.ip);
    if (slot === undefined) {
      byIp.set(entry.ip, entry);
      this.count++;
    } else if (slot instanceof Map) {
      if (!slot.has(entry.name)) this.count++;
      slot.set(entry.name, entry);
    } else if (slot.name === entry.name) {
      byIp.set(entry.ip, entry);
    } else {
      byIp.set(entry.ip, new Map([[slot.name, slot], [entry.name, entry]]));
      this.count++;
    }
  }

  delete(endpointId: number, ip: string, name: string): boolean {
    const byIp = this.byEndpoint.get(endpointId);
    const slot = byIp?.get(ip);
    if (slot === undefined) return false;
    if (slot instanceof Map) {
      if (!slot.delete(name)) return false;
      if (slot.size === 1) byIp!.set(ip, slot.values().next().value!);
    } else {
      if (slot.name !== name) return false;
      byIp!.delete(ip);
      if (byIp!.size === 0) this.byEndpoint.delete(endpointId);
    }
    this.count--;
    return true;
  }

  deleteEndpoint(endpointId: number): void {
    for (const slot of this.byEndpoint.get(endpointId)?.values() ?? []) this.count -= slot instanceof Map ? slot.size : 1;
    this.byEndpoint.delete(endpointId);
  }

  /**
   * Turns the entries replay kept with their text still in a read buffer (KeptAllowed) into
   * plain ones, so no read buffer is needed any more and every entry compares, prints and
   * serializes like any other.
   */
  materialize(): void {
    for (const byIp of this.byEndpoint.values()) {
      for (const [ip, slot] of byIp) {
        if (slot instanceof KeptAllowed) byIp.set(ip, slot.toPlain());
        else if (slot instanceof Map) for (const [name, e] of slot) if (e instanceof KeptAllowed) slot.set(name, e.toPlain());
      }
    }
  }

  /** The entries that allow `ip` for the endpoint (one per DNS name). */
  entriesFor(endpointId: number, ip: string): AllowEntry[] {
    const slot = this.byEndpoint.get(endpointId)?.get(ip);
    if (slot === undefined) return [];
    return slot instanceof Map ? [...slot.values()] : [slot];
  }

  *values(): IterableIterator<AllowEntry> {
    for (const byIp of this.byEndpoint.values()) {
      for (const slot of byIp.values()) {
        if (slot instanceof Map) yield* slot.values();
        else yield slot;
      }
    }
  }

  /** Sorted by endpoint, ip, name: a stable order for snapshots and tests. */
  sorted(): AllowEntry[] {
    const key = (e: AllowEntry) => [e.endpointId, e.ip, e.name] as const;
    return [...this.values()].sort((a, b) => {
      const [ea, ia, na] = key(a);
      const [eb, ib, nb] = key(b);
      return ea - eb || (ia < ib ? -1 : ia > ib ? 1 : 0) || (na < nb ? -1 : na > nb ? 1 : 0);
    });
  }
}
