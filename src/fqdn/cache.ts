// The FQDN cache: per endpoint, name -> addresses with an expiry from the answer's TTL, as
// Cilium's per-endpoint DNS history plus its "zombies" (addresses whose TTL ran out, or that the
// per-name limit or the per-endpoint name limit pushed out, while a live connection still uses
// them). A shared index over all endpoints answers "which addresses does this name have on this
// node", so an address one endpoint learned is usable by every endpoint whose policy selects the
// name.
//
// The functions take time as an argument and return the updates they made. The state holds
// lru-cache instances and is updated in place (one owner, the pipeline's reducer): copying a
// cache of thousands of names per DNS answer would cost more than the answer.
import { LRUCache } from 'lru-cache';
import { normalizeDnsName } from './dnsName.js';

export interface FqdnCacheOptions {
  /** TTLs below this are raised to it (Cilium's --tofqdns-min-ttl). Default 0. */
  minTtlSec: number;
  /** Addresses kept per name per endpoint; the soonest to expire go first. Default 1000. */
  maxAddressesPerName: number;
  /** Names kept per endpoint; the least recently answered go first. Default 10000. */
  maxNamesPerEndpoint: number;
  /** Expired addresses kept for live connections, per endpoint. Default 10000. */
  maxZombiesPerEndpoint: number;
  /**
   * Expiries are rounded up to a multiple of this. Default 1000 ms, the period of the expiry
   * sweep, which removes an address up to that much after its TTL anyway. The rounding is what
   * lets repeated answers for a popular name (hundreds a second) find the expiry already set and
   * change nothing, where each would otherwise move it by a few milliseconds and be an event.
   */
  expiryGrainMs: number;
}

export const defaultFqdnCacheOptions: FqdnCacheOptions = {
  minTtlSec: 0,
  maxAddressesPerName: 1000,
  maxNamesPerEndpoint: 10_000,
  maxZombiesPerEndpoint: 10_000,
  expiryGrainMs: 1_000,
};

/** An answer as the proxy extracted it: the addresses belong to the queried name. */
export interface DnsAnswer {
  endpointId: number;
  name: string;
  addresses: readonly string[];
  /** The smallest TTL of the CNAME chain and the address records. */
  ttlSec: number;
  dnsEventId: string;
}

/** Answers whether a connection of the endpoint to the address is alive (datapath conntrack). */
export type IsInUse = (endpointId: number, ip: string) => boolean;

export interface AddressRecord {
  ip: string;
  expiresAt: number;
  ttlSec: number;
  /** The DNS event that last set the expiry. */
  dnsEventId: string;
}

/** `connection-ended`: a kept address (already out of the allowlist) whose last connection ended. */
export type ExpiryReason = 'ttl' | 'limit' | 'name-evicted' | 'zombie-overflow' | 'connection-ended';

/** Why a live address leaves its name: a connection may still use it, so it may become a zombie. */
type RetireReason = 'ttl' | 'limit' | 'name-evicted';

export type FqdnUpdate =
  | ({ type: 'learned'; endpointId: number; name: string; refreshed: boolean } & AddressRecord)
  /** Expired or pushed out, but kept while a live connection uses it. */
  | ({ type: 'deferred'; endpointId: number; name: string; reason: RetireReason } & AddressRecord)
  | ({ type: 'expired'; endpointId: number; name: string; reason: ExpiryReason } & AddressRecord);

interface Zombie {
  name: string;
  record: AddressRecord;
}

interface EndpointHistory {
  names: LRUCache<string, Map<string, AddressRecord>>;
  zombies: LRUCache<string, Zombie>;
}

export interface FqdnCacheState {
  readonly options: FqdnCacheOptions;
  readonly endpoints: Map<number, EndpointHistory>;
  /** name -> ip -> endpoint -> record: every live or zombie address of every endpoint. */
  readonly shared: Map<string, Map<string, Map<number, AddressRecord>>>;
  /** ip -> names holding it in `shared`: lets one new address be granted without a scan of every name. */
  readonly namesByIp: Map<string, Set<string>>;
  /** Updates produced by lru-cache evictions, drained into the next result. */
  readonly evicted: FqdnUpdate[];
  /**
   * Addresses of names the per-endpoint name LRU pushed out, still shared: the eviction happens
   * inside lru-cache, which cannot ask whether a connection uses them, so they are retired (kept
   * as zombies or expired) by the call that caused it, before it returns.
   */
  readonly evictedNames: { endpointId: number; name: string; record: AddressRecord }[];
}

export interface FqdnCacheResult {
  state: FqdnCacheState;
  updates: FqdnUpdate[];
}

export function createFqdnCache(options: Partial<FqdnCacheOptions> = {}): FqdnCacheState {
  return { options: { ...defaultFqdnCacheOptions, ...options }, endpoints: new Map(), shared: new Map(), namesByIp: new Map(), evicted: [], evictedNames: [] };
}

function share(state: FqdnCacheState, endpointId: number, name: string, record: AddressRecord): void {
  let byIp = state.shared.get(name);
  if (byIp === undefined) state.shared.set(name, (byIp = new Map()));
  let byEndpoint = byIp.get(record.ip);
  if (byEndpoint === undefined) {
    byIp.set(record.ip, (byEndpoint = new Map()));
    let names = state.namesByIp.get(record.ip);
    if (names === undefined) state.namesByIp.set(record.ip, (names = new Set()));
    names.add(name);
  }
  byEndpoint.set(endpointId, record);
}

function unshare(state: FqdnCacheState, endpointId: number, name: string, ip: string): void {
  const byIp = state.shared.get(name);
  const byEndpoint = byIp?.get(ip);
  if (byIp === undefined || byEndpoint === undefined) return;
  byEndpoint.delete(endpointId);
  if (byEndpoint.size === 0) {
    byIp.delete(ip);
    const names = state.namesByIp.get(ip);
    names?.delete(name);
    if (names?.size === 0) state.namesByIp.delete(ip);
  }
  if (byIp.size === 0) state.shared.delete(name);
}

const zombieKey = (name: string, ip: string) => `${name} ${ip}`;

function historyOf(state: FqdnCacheState, endpointId: number): EndpointHistory {
  const existing = state.endpoints.get(endpointId);
  if (existing !== undefined) return existing;
  const history: EndpointHistory = {
    names: new LRUCache({
      max: state.options.maxNamesPerEndpoint,
      dispose: (records, name, reason) => {
        if (reason !== 'evict') return;
        for (const record of records.values()) state.evictedNames.push({ endpointId, name, record });
      },
    }),
    zombies: new LRUCache({
      max: state.options.maxZombiesPerEndpoint,
      dispose: (zombie, _key, reason) => {
        if (reason !== 'evict') return;
        unshare(state, endpointId, zombie.name, zombie.record.ip);
        state.evicted.push({ type: 'expired', endpointId, name: zombie.name, reason: 'zombie-overflow', ...zombie.record });
      },
    }),
  };
  state.endpoints.set(endpointId, history);
  return history;
}

function retire(
  state: FqdnCacheState,
  history: EndpointHistory,
  endpointId: number,
  name: string,
  record: AddressRecord,
  reason: RetireReason,
  now: number,
  isInUse: IsInUse,
  updates: FqdnUpdate[],
): void {
  if (isInUse(endpointId, record.ip)) {
    // A zombie is out of the allowlist from now on, like in Cilium: its live connections go on
    // through conntrack, new ones are dropped. One pushed out before its TTL ran out therefore
    // expires now (its shared record says so, which is what allowlists and events read).
    const kept = record.expiresAt <= now ? record : { ...record, expiresAt: now };
    history.zombies.set(zombieKey(name, record.ip), { name, record: kept });
    if (kept !== record) share(state, endpointId, name, kept);
    updates.push({ type: 'deferred', endpointId, name, reason, ...kept });
    return;
  }
  unshare(state, endpointId, name, record.ip);
  updates.push({ type: 'expired', endpointId, name, reason, ...record });
}

function drainEvicted(state: FqdnCacheState, updates: FqdnUpdate[]): FqdnUpdate[] {
  updates.push(...state.evicted.splice(0));
  return updates;
}

/** The expiry an answer at `now` gives: its TTL (at least the minimum) rounded up to the grain. */
function expiryOf(state: FqdnCacheState, ttlSec: number, now: number): number {
  const grain = state.options.expiryGrainMs;
  return Math.ceil((now + ttlSec * 1000) / grain) * grain;
}

/**
 * True when applyDnsAnswer would change nothing: every address is known for the endpoint and
 * name until at least the expiry this answer gives. Like applyDnsAnswer, it counts as a use of
 * the name (its recency in the endpoint's LRU). Cheaper than an update that finds nothing to do,
 * which is what most answers for popular names are.
 */
export function answerChangesNothing(state: FqdnCacheState, answer: DnsAnswer, now: number): boolean {
  const nothingPending = state.evicted.length === 0 && state.evictedNames.length === 0;
  if (answer.addresses.length === 0) return nothingPending;
  const records = state.endpoints.get(answer.endpointId)?.names.get(normalizeDnsName(answer.name));
  if (records === undefined || !nothingPending) return false;
  const expiresAt = expiryOf(state, Math.max(answer.ttlSec, state.options.minTtlSec), now);
  const n = Math.min(answer.addresses.length, state.options.maxAddressesPerName);
  for (let i = 0; i < n; i++) {
    const record = records.get(answer.addresses[i]!);
    if (record === undefined || record.expiresAt < expiresAt) return false;
  }
  return true;
}

/**
 * Records the addresses of one answer. An address seen again keeps the later of its two
 * expiries (an answer that extends nothing is no update at all); a fresh answer revives a zombie. Past the per-name limit the soonest-expiring
 * addresses of the name go (to the zombies when a connection still uses them).
 */
export function applyDnsAnswer(state: FqdnCacheState, answer: DnsAnswer, now: number, isInUse: IsInUse): FqdnCacheResult {
  const updates: FqdnUpdate[] = [];
  if (answer.addresses.length === 0) return { state, updates: drainEvicted(state, updates) };
  const name = normalizeDnsName(answer.name);
  const ttlSec = Math.max(answer.ttlSec, state.options.minTtlSec);
  const expiresAt = expiryOf(state, ttlSec, now);
  const history = historyOf(state, answer.endpointId);
  let records = history.names.get(name);
  if (records === undefined) {
    records = new Map();
    history.names.set(name, records);
  }
  const answered = new Set(answer.addresses.slice(0, state.options.maxAddressesPerName));
  for (const ip of answered) {
    const previous = records.get(ip);
    // already known until at least then: nothing changes, and nothing is reported
    if (previous !== undefined && previous.expiresAt >= expiresAt) continue;
    const record: AddressRecord = { ip, expiresAt, ttlSec, dnsEventId: answer.dnsEventId };
    records.set(ip, record);
    history.zombies.delete(zombieKey(name, ip));
    share(state, answer.endpointId, name, record);
    updates.push({ type: 'learned', endpointId: answer.endpointId, name, refreshed: previous !== undefined, ...record });
  }
  // a new name may have pushed the endpoint's least recently answered one out
  for (const { endpointId, name: evictedName, record } of state.evictedNames.splice(0)) {
    retire(state, historyOf(state, endpointId), endpointId, evictedName, record, 'name-evicted', now, isInUse, updates);
  }
  if (records.size > state.options.maxAddressesPerName) {
    const evictable = [...records.values()]
      .filter((record) => !answered.has(record.ip))
      .sort((a, b) => a.expiresAt - b.expiresAt);
    for (const record of evictable.slice(0, records.size - state.options.maxAddressesPerName)) {
      records.delete(record.ip);
      retire(state, history, answer.endpointId, name, record, 'limit', now, isInUse, updates);
    }
  }
  return { state, updates: drainEvicted(state, updates) };
}

/**
 * Expires addresses whose TTL ran out by `now`. Those a live connection still uses become
 * zombies; zombies whose connections ended are dropped.
 */
export function expire(state: FqdnCacheState, now: number, isInUse: IsInUse): FqdnCacheResult {
  const updates: FqdnUpdate[] = [];
  for (const [endpointId, history] of state.endpoints) {
    for (const [key, zombie] of [...history.zombies.entries()]) {
      if (isInUse(endpointId, zombie.record.ip)) continue;
      history.zombies.delete(key);
      unshare(state, endpointId, zombie.name, zombie.record.ip);
      updates.push({ type: 'expired', endpointId, name: zombie.name, reason: 'connection-ended', ...zombie.record });
    }
    // Iterating without touching recency: expiry is not a use of the name.
    for (const [name, records] of [...history.names.entries()]) {
      for (const record of [...records.values()]) {
        if (record.expiresAt > now) continue;
        records.delete(record.ip);
        retire(state, history, endpointId, name, record, 'ttl', now, isInUse, updates);
      }
      if (records.size === 0) history.names.delete(name);
    }
    if (history.names.size === 0 && history.zombies.size === 0) state.endpoints.delete(endpointId);
  }
  return { state, updates: drainEvicted(state, updates) };
}

/** Drops everything an endpoint learned (the endpoint was removed). */
export function forgetEndpoint(state: FqdnCacheState, endpointId: number): FqdnCacheResult {
  const updates: FqdnUpdate[] = [];
  const history = state.endpoints.get(endpointId);
  if (history !== undefined) {
    state.endpoints.delete(endpointId);
    const held: Array<[string, AddressRecord]> = [
      ...[...history.names.entries()].flatMap(([name, records]) => [...records.values()].map((r): [string, AddressRecord] => [name, r])),
      ...[...history.zombies.values()].map((z): [string, AddressRecord] => [z.name, z.record]),
    ];
    for (const [name, record] of held) {
      unshare(state, endpointId, name, record.ip);
      updates.push({ type: 'expired', endpointId, name, reason: 'ttl', ...record });
    }
  }
  return { state, updates: drainEvicted(state, updates) };
}

export interface SharedAddress {
  ip: string;
  /** The latest expiry among the endpoints holding it. */
  expiresAt: number;
  dnsEventId: string;
}

/** Every address of `name` any endpoint holds (live or kept for a live connection). */
export function sharedAddresses(state: FqdnCacheState, name: string): SharedAddress[] {
  const byIp = state.shared.get(normalizeDnsName(name));
  if (byIp === undefined) return [];
  return [...byIp].map(([ip, byEndpoint]) => {
    let latest: AddressRecord | undefined;
    for (const record of byEndpoint.values()) if (latest === undefined || record.expiresAt > latest.expiresAt) latest = record;
    return { ip, expiresAt: latest?.expiresAt ?? 0, dnsEventId: latest?.dnsEventId ?? '' };
  });
}

/** Every name holding `ip` on this node (live or kept for a live connection). */
export function namesOfIp(state: FqdnCacheState, ip: string): ReadonlySet<string> {
  return state.namesByIp.get(ip) ?? new Set();
}

/** Every name with at least one address on this node. */
export function sharedNames(state: FqdnCacheState): IterableIterator<string> {
  return state.shared.keys();
}

/** The earliest expiry of any live address, for scheduling the next `expire`. */
export function nextExpiry(state: FqdnCacheState): number | undefined {
  let earliest: number | undefined;
  for (const history of state.endpoints.values()) {
    for (const records of history.names.values()) {
      for (const record of records.values()) if (earliest === undefined || record.expiresAt < earliest) earliest = record.expiresAt;
    }
  }
  return earliest;
}
