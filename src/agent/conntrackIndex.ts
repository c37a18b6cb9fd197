// Which (endpoint, destination) pairs live connections use, for the FQDN cache's expiry grace.
// Walking the conntrack map per question would cost a syscall per entry each time, so the walk
// is done at most once per refresh interval and answered from a set in between.
import { writeAddress } from '../datapath/maps/layout.js';

/** Reads the in-use set: `endpointId|destination address bytes (latin1)` of live connections. */
export type ReadInUseFn = (nowBootNs: bigint, idleNs: bigint) => Set<string>;

export class ConntrackIndex {
  private inUse = new Set<string>();
  private refreshedAt = -Infinity;
  private readonly addr = Buffer.alloc(16);

  constructor(
    private readonly read: ReadInUseFn,
    private readonly bootNowNs: () => bigint,
    /** A connection idle longer than this no longer holds its address. */
    private readonly idleNs = 60_000_000_000n,
    private readonly refreshMs = 1000,
  ) {}

  isInUse(endpointId: number, ip: string, nowMs = Date.now()): boolean {
    if (nowMs - this.refreshedAt >= this.refreshMs) {
      this.inUse = this.read(this.bootNowNs(), this.idleNs);
      this.refreshedAt = nowMs;
    }
    // no live connection at all: nothing to parse the address for
    if (this.inUse.size === 0) return false;
    const family = writeAddress(this.addr, 0, ip);
    return this.inUse.has(`${endpointId}|${this.addr.toString('latin1', 0, family === 4 ? 4 : 16)}`);
  }
}
