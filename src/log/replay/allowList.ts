// The FQDN allowlist inside AgentState: endpoint id -> ip -> name -> entry (one address can be
// allowed through several names). Nested maps rather than one joined string key: replay folds
// millions of events, and the decoder hands out the same string objects for repeated names and
// addresses, whose hashes V8 has already cached, while a joined key is a new string every time.

export interface AllowEntry {
  endpointId: number;
  name: string;
  ip: string;
  selector: string;
  expiresAt: string;
  ttlSec: number;
  dnsEventId: string;
  /** The fqdn.allowed event and its time. */
  eventId: string;
  allowedAt: string;
}

export class AllowList {
  private readonly byEndpoint = new Map<number, Map<string, Map<string, AllowEntry>>>();
  private count = 0;

  get size(): number { return this.count; }

  set(entry: AllowEntry): void {
    let byIp = this.byEndpoint.get(entry.endpointId);
    if (!byIp) this.byEndpoint.set(entry.endpointId, (byIp = new Map()));
    let byName = byIp.get(entry.ip);
    if (!byName) byIp.set(entry.ip, (byName = new Map()));
    if (!byName.has(entry.name)) this.count++;
    byName.set(entry.name, entry);
  }

  delete(endpointId: number, ip: string, name: string): boolean {
    const byIp = this.byEndpoint.get(endpointId);
    const byName = byIp?.get(ip);
    if (!byName?.delete(name)) return false;
    this.count--;
    if (byName.size === 0) {
      byIp!.delete(ip);
      if (byIp!.size === 0) this.byEndpoint.delete(endpointId);
    }
    return true;
  }

  deleteEndpoint(endpointId: number): void {
    for (const byName of this.byEndpoint.get(endpointId)?.values() ?? []) this.count -= byName.size;
    this.byEndpoint.delete(endpointId);
  }

  /** The entries that allow `ip` for the endpoint (one per DNS name). */
  entriesFor(endpointId: number, ip: string): AllowEntry[] {
    return [...(this.byEndpoint.get(endpointId)?.get(ip)?.values() ?? [])];
  }

  *values(): IterableIterator<AllowEntry> {
    for (const byIp of this.byEndpoint.values()) for (const byName of byIp.values()) yield* byName.values();
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
