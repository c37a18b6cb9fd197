// Quantiles from a Prometheus text-format histogram, as histogram_quantile() computes them:
// find the bucket holding the rank, interpolate linearly inside it. The answer is only as fine as
// the buckets (for sluice_answer_to_map_latency_seconds: 10, 25, 50, 100, 250 µs, ...).
export type Buckets = Map<number, number>;

/** Cumulative bucket counts of `name` (le -> count), summed over label sets. */
export function parseHistogram(text: string, name: string): Buckets {
  const buckets: Buckets = new Map();
  const re = new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\}\\s+([\\d.eE+-]+)`, 'gm');
  for (const m of text.matchAll(re)) {
    const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
  }
  return buckets;
}

/** after - before, bucket by bucket: the observations made between two scrapes. */
export function diffHistogram(after: Buckets, before: Buckets): Buckets {
  const out: Buckets = new Map();
  for (const [le, n] of after) out.set(le, n - (before.get(le) ?? 0));
  return out;
}

export function histogramCount(buckets: Buckets): number {
  return buckets.get(Infinity) ?? 0;
}

export function histogramQuantile(buckets: Buckets, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = histogramCount(buckets);
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le)!;
    if (count >= rank) {
      // past the last finite bound there is nothing to interpolate towards: report that bound
      if (le === Infinity) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(1, count - below);
    }
    lower = le;
    below = count;
  }
  return lower;
}
