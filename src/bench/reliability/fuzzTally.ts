// What a fuzz run counts: cases per kind, the outcome of each (what the client got), and the
// failures (a crash: the handler threw or a reply broke an invariant; a hang: no outcome within
// the per-case bound). Failures keep the seed and case index so they can be replayed.

export type Outcome = 'formerr' | 'servfail' | 'refused' | 'nxdomain' | 'forwarded' | 'dropped';

export interface FuzzTally {
  cases: number;
  byKind: Record<string, number>;
  outcomes: Record<Outcome, number>;
  crashes: number;
  hangs: number;
  /** The first few failures, `seed/index kind: what`. */
  failures: string[];
  /** The slowest single case, ms (synchronous decode of the largest messages dominates). */
  maxCaseMs: number;
  rssMiBStart: number;
  rssMiBPeak: number;
  rssMiBEnd: number;
  durationMs: number;
}

export const rssMiB = () => Math.round((process.memoryUsage.rss() / 2 ** 20) * 10) / 10;

export function emptyTally(): FuzzTally {
  return {
    cases: 0,
    byKind: {},
    outcomes: { formerr: 0, servfail: 0, refused: 0, nxdomain: 0, forwarded: 0, dropped: 0 },
    crashes: 0,
    hangs: 0,
    failures: [],
    maxCaseMs: 0,
    rssMiBStart: rssMiB(),
    rssMiBPeak: rssMiB(),
    rssMiBEnd: 0,
    durationMs: 0,
  };
}

export function countKind(tally: FuzzTally, kind: string): void {
  tally.cases++;
  tally.byKind[kind] = (tally.byKind[kind] ?? 0) + 1;
}

export function fail(tally: FuzzTally, what: 'crash' | 'hang', note: string): void {
  if (what === 'crash') tally.crashes++;
  else tally.hangs++;
  if (tally.failures.length < 20) tally.failures.push(`${what} ${note}`);
}

/** The client-visible outcome of a reply: its rcode, or `forwarded` for a relayed upstream answer. */
export function outcomeOf(reply: Buffer | undefined, relayed: boolean): Outcome | undefined {
  if (reply === undefined) return 'dropped';
  if (relayed) return 'forwarded';
  if (reply.length < 4) return undefined;
  switch (reply[3]! & 0x0f) {
    case 1: return 'formerr';
    case 2: return 'servfail';
    case 3: return 'nxdomain';
    case 5: return 'refused';
    default: return undefined;
  }
}

/** Merges `b` into `a` (socket and handler runs reported together). */
export function mergeTallies(a: FuzzTally, b: FuzzTally): FuzzTally {
  const byKind = { ...a.byKind };
  for (const [k, n] of Object.entries(b.byKind)) byKind[k] = (byKind[k] ?? 0) + n;
  const outcomes = { ...a.outcomes };
  for (const [k, n] of Object.entries(b.outcomes) as [Outcome, number][]) outcomes[k] += n;
  return {
    cases: a.cases + b.cases,
    byKind,
    outcomes,
    crashes: a.crashes + b.crashes,
    hangs: a.hangs + b.hangs,
    failures: [...a.failures, ...b.failures].slice(0, 20),
    maxCaseMs: Math.max(a.maxCaseMs, b.maxCaseMs),
    rssMiBStart: Math.min(a.rssMiBStart, b.rssMiBStart),
    rssMiBPeak: Math.max(a.rssMiBPeak, b.rssMiBPeak),
    rssMiBEnd: b.rssMiBEnd,
    durationMs: a.durationMs + b.durationMs,
  };
}
