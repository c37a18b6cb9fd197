// What the datapath is known to hold, as the DNS proxy thread sees it: per endpoint, the host
// prefixes programmed for each answered name and until when. An answer whose every address is
// already here for the asking endpoint and name, well before its expiry, needs no map write: the
// proxy releases it at once and the main thread folds it into the FQDN cache afterwards (which
// may only extend the expiry). Under load most answers are such repeats of popular names, and
// holding each one for a round trip through the main thread was most of the proxy's latency.
//
// The main thread owns the maps; this copy is told what was programmed (after each write) and
// what may have been unprogrammed (before each delete or rewrite). A rewrite or delete bumps a
// sequence number shared with the proxy thread *before* the map changes, and the copy answers
// only while it has applied every bump (`caughtUp`), so it never vouches for an entry that is
// being taken away. Pure: the sequence numbers and the clock are arguments.

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
  /** endpoint -> sequence number of the last forget that touched it. */
  private readonly lastForget = new Map<number, number>();
  private applied = 0;
  /** Sequence number of the last forgetAll: the last forget of every endpoint not in lastForget. */
  private floor = 0;
  private entries = 0;

  constructor(options: Partial<ProgrammedAnswersOptions> = {}) {
    this.options = { ...defaultProgrammedAnswersOptions, ...options };
  }

  get size(): number {
    return this.entries;
  }

  /** The sequence number of the last removal this copy has applied. */
  get appliedSeq(): number {
    return this.applied;
  }

  /**
   * Every prefix is programmed for `name` until at least `until`, as of a write that started
   * after the proxy had applied removal `seenSeq`. A removal of this endpoint's entries applied
   * since then may have come after the write: the entry is then not trusted (not added).
   */
  add(endpointId: number, name: string, prefixes: readonly string[], until: number, seenSeq: number): boolean {
    if ((this.lastForget.get(endpointId) ?? this.floor) > seenSeq) return false;
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

  /** Removal `seq` may take these prefixes (every name of them) out of the endpoint's map. */
  forget(endpointId: number, prefixes: readonly string[], seq: number): void {
    this.lastForget.set(endpointId, seq);
    const byPrefix = this.endpoints.get(endpointId);
    if (byPrefix !== undefined) {
      for (const prefix of prefixes) {
        const names = byPrefix.get(prefix);
        if (names === undefined) continue;
        this.entries -= names.size;
        byPrefix.delete(prefix);
      }
      if (byPrefix.size === 0) this.endpoints.delete(endpointId);
    }
    this.applied = Math.max(this.applied, seq);
  }

  /** Removal `seq` may take anything of any endpoint out (policies changed). */
  forgetAll(seq: number): void {
    this.clear();
    this.lastForget.clear();
    this.floor = seq;
    this.applied = Math.max(this.applied, seq);
  }

  /** Every removal up to `seq` has been applied. */
  caughtUp(seq: number): void {
    this.applied = Math.max(this.applied, seq);
  }

  /**
   * True when every prefix is programmed for the endpoint and name until at least now + margin,
   * and no removal is under way that this copy has not applied (`currentSeq` is the shared
   * sequence number as the main thread last bumped it).
   */
  covers(endpointId: number, name: string, prefixes: readonly string[], now: number, currentSeq: number): boolean {
    if (currentSeq !== this.applied || prefixes.length === 0) return false;
    const byPrefix = this.endpoints.get(endpointId);
    if (byPrefix === undefined) return false;
    const needed = now + this.options.marginMs;
    for (const prefix of prefixes) {
      const until = byPrefix.get(prefix)?.get(name);
      if (until === undefined || until < needed) return false;
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
