// What the datapath is known to hold, as the DNS proxy thread sees it: per endpoint, the host
// prefixes programmed for each answered name and until when. An answer whose every address is
// already here for the asking endpoint and name, well before its expiry, needs no map write: the
// proxy releases it at once and the main thread folds it into the FQDN cache afterwards (which
// may only extend the expiry). Under load most answers are such repeats of popular names, and
// holding each one for a round trip through the main thread was most of the proxy's latency.
//
// The main thread owns the maps; this copy is told what was programmed (after each write) and
// what may have been unprogrammed (before each delete or rewrite). Removals are counted in memory
// shared with the proxy thread, *before* the map changes: one counter per slot, a slot being a
// hash of (endpoint, host prefix), plus one for "everything" (a policy change). The copy mirrors
// the counts as it applies the removals, and vouches for a prefix only while its slot's shared
// count equals the mirrored one, so it never vouches for an entry that is being taken away.
// Counting per slot rather than in one number is what keeps popular names released under churn:
// with one number, every eviction of a rare name (hundreds a second once an endpoint's name cache
// is full) stopped all releases until the proxy had caught up with it. Slots that collide only
// cost a release (the answer is held instead). Pure: the counters and the clock are arguments.

/** Removal counter slots besides slot 0 (every endpoint, every prefix). */
export const REMOVAL_SLOTS = 4096;
/** Int32s of the shared removal counters: slot 0 then REMOVAL_SLOTS (endpoint, prefix) slots. */
export const REMOVAL_COUNTERS = 1 + REMOVAL_SLOTS;

/** The counter index (1..REMOVAL_SLOTS) of an endpoint's host prefix: FNV-1a over both. */
export function removalSlot(endpointId: number, prefix: string): number {
  let h = Math.imul(0x811c9dc5 ^ endpointId, 0x01000193);
  for (let i = 0; i < prefix.length; i++) h = Math.imul(h ^ prefix.charCodeAt(i), 0x01000193);
  return 1 + ((h >>> 0) % REMOVAL_SLOTS);
}

/** Main's side, before it deletes or rewrites these host prefixes of the endpoint. */
export function countRemovals(counters: Int32Array, endpointId: number, prefixes: readonly string[]): void {
  for (const prefix of prefixes) Atomics.add(counters, removalSlot(endpointId, prefix), 1);
}

/** Main's side, before a change that may remove anything (policies); returns slot 0's new count. */
export function countRemoveAll(counters: Int32Array): number {
  return Atomics.add(counters, 0, 1) + 1;
}

/** The shared counters as main last bumped them (Atomics.load on the proxy thread). */
export type RemovalCounts = (index: number) => number;

/** What the copy had applied when an answer went to main: slot 0, then each prefix's slot. */
export type RemovalMark = readonly number[];

export interface ProgrammedAnswersOptions {
  /** An entry expiring sooner than this is not vouched for: the slow path extends it first. */
  marginMs: number;
  /** Entries kept at most; past it everything is dropped (the slow path refills what is used). */
  maxEntries: number;
}

/**
 * 100k entries, about 35 MB with their name and prefix strings (about 350 bytes an entry,
 * measured on its own): repeats are what this is for, and those are the popular names; a copy of
 * every address of a million-address node would take some 340 MB. Past the bound the copy starts
 * afresh and the held path refills what is still asked.
 */
export const defaultProgrammedAnswersOptions: ProgrammedAnswersOptions = { marginMs: 1_000, maxEntries: 100_000 };

export class ProgrammedAnswers {
  private readonly options: ProgrammedAnswersOptions;
  /** endpoint -> host prefix -> name -> programmed until (epoch ms). */
  private readonly endpoints = new Map<number, Map<string, Map<string, number>>>();
  /** The removals applied, counted like the shared counters (wrapping as an Int32 does). */
  private readonly applied = new Int32Array(REMOVAL_COUNTERS);
  private entries = 0;

  constructor(options: Partial<ProgrammedAnswersOptions> = {}) {
    this.options = { ...defaultProgrammedAnswersOptions, ...options };
  }

  get size(): number {
    return this.entries;
  }

  /** Taken when an answer goes to main; `add` compares it with the removals applied by then. */
  mark(endpointId: number, prefixes: readonly string[]): RemovalMark {
    const mark = [this.applied[0]!];
    for (const prefix of prefixes) mark.push(this.applied[removalSlot(endpointId, prefix)]!);
    return mark;
  }

  /**
   * Every prefix is programmed for `name` until at least `until`, as of a write that started
   * after the copy had applied the removals of `mark`. A removal of any of these prefixes
   * applied since may have come after the write: the entry is then not trusted (not added).
   */
  add(endpointId: number, name: string, prefixes: readonly string[], until: number, mark: RemovalMark): boolean {
    if (mark[0] !== this.applied[0] || mark.length !== prefixes.length + 1) return false;
    for (let i = 0; i < prefixes.length; i++) {
      if (mark[i + 1] !== this.applied[removalSlot(endpointId, prefixes[i]!)]) return false;
    }
    if (this.entries + prefixes.length > this.options.maxEntries) this.clear();
    let byPrefix = this.endpoints.get(endpointId);
    if (byPrefix === undefined) this.endpoints.set(endpointId, (byPrefix = new Map()));
    for (const prefix of prefixes) {
      let names = byPrefix.get(prefix);
      if (names === undefined) byPrefix.set(prefix, (names = new Map()));
      const had = names.get(name);
      if (had === undefined) this.entries++;
      names.set(name, Math.max(had ?? 0, until));
    }
    return true;
  }

  /**
   * A removal that may take these prefixes (every name of them) out of the endpoint's map; main
   * counted one per prefix (a prefix twice, twice) in the shared counters before sending it.
   */
  forget(endpointId: number, prefixes: readonly string[]): void {
    for (const prefix of prefixes) {
      const slot = removalSlot(endpointId, prefix);
      this.applied[slot] = this.applied[slot]! + 1; // an Int32Array wraps as Atomics.add does
    }
    const byPrefix = this.endpoints.get(endpointId);
    if (byPrefix === undefined) return;
    for (const prefix of prefixes) {
      const names = byPrefix.get(prefix);
      if (names === undefined) continue;
      this.entries -= names.size;
      byPrefix.delete(prefix);
    }
    if (byPrefix.size === 0) this.endpoints.delete(endpointId);
  }

  /** Removal `seq` of slot 0 (policies changed) may take anything of any endpoint out. */
  forgetAll(seq: number): void {
    this.clear();
    this.applied[0] = seq;
  }

  /**
   * True when every prefix is programmed for the endpoint and name until at least now + margin,
   * and no removal of any of them (nor of everything) is under way that this copy has not
   * applied: `counts` reads the shared counters.
   */
  covers(endpointId: number, name: string, prefixes: readonly string[], now: number, counts: RemovalCounts): boolean {
    if (prefixes.length === 0 || counts(0) !== this.applied[0]) return false;
    const byPrefix = this.endpoints.get(endpointId);
    if (byPrefix === undefined) return false;
    const needed = now + this.options.marginMs;
    for (const prefix of prefixes) {
      const until = byPrefix.get(prefix)?.get(name);
      if (until === undefined || until < needed) return false;
      const slot = removalSlot(endpointId, prefix);
      if (counts(slot) !== this.applied[slot]) return false;
    }
    return true;
  }

  /** Drops entries past their expiry, so the copy does not grow with every name ever answered. */
  prune(now: number): void {
    for (const [endpointId, byPrefix] of this.endpoints) {
      for (const [prefix, names] of byPrefix) {
        for (const [name, until] of names) {
          if (until > now) continue;
          names.delete(name);
          this.entries--;
        }
        if (names.size === 0) byPrefix.delete(prefix);
      }
      if (byPrefix.size === 0) this.endpoints.delete(endpointId);
    }
  }

  private clear(): void {
    this.endpoints.clear();
    this.entries = 0;
  }
}
