// Which (endpoint, destination) pairs live connections use, for the FQDN cache's expiry grace.
// Walking the conntrack map per question would cost a syscall per entry each time, so the walk
// is done at most once per refresh interval and answered from a set in between.
import type { CtEntry } from '../datapath/index.js';

export class ConntrackIndex {
  private inUse = new Set<string>();
  private refreshedAt = -Infinity;

  constructor(
    private readonly entries: () => Iterable<CtEntry>,
    private readonly bootNowNs: () => bigint,
    /** A connection idle longer than this no longer holds its address. */
    private readonly idleNs = 60_000_000_000n,
    private readonly refreshMs = 1000,
  ) {}

  isInUse(endpointId: number, ip: string, nowMs = Date.now()): boolean {
    if (nowMs - this.refreshedAt >= this.refreshMs) this.refresh(nowMs);
    return this.inUse.has(`${endpointId}|${ip}`);
  }

  private refresh(nowMs: number): void {
    const now = this.bootNowNs();
    const next = new Set<string>();
    for (const e of this.entries()) {
      if (now - e.lastSeenNs <= this.idleNs) next.add(`${e.endpointId}|${e.dst}`);
    }
    this.inUse = next;
    this.refreshedAt = nowMs;
  }
}
