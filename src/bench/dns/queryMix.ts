// The benchmark's zone and query files. Real resolver traffic is dominated by a few popular names
// asked again and again, with a tail of names seen rarely: here 200 popular names (A and AAAA)
// take 90% of the queries, drawn Zipf-like, and 10% go to rare names, each asked once. Every
// dnsperf run gets its own slice of the rare names, so new names keep arriving for the whole
// benchmark: for the proxy a popular name is an answer that brings nothing new (no map write),
// a rare one is a new FQDN cache entry and an allowlist write.
//
// Addresses: popular names answer in 203.0.113.0/24 and 2001:db8:3::/64, rare names (AAAA only,
// so each can have an address of its own) in 2001:db8:2::/64. The trial names of the
// first-connection phase use 198.51.100.0/24 and 2001:db8:1::/64, so a trial's first connection
// is never let through by an address some bench name taught.
export const BENCH_ZONE = 'bench.test';
export const POPULAR = 200;
export const RARE = 100_000;

export function benchZoneRecords(): string[] {
  const records: string[] = [];
  for (let i = 0; i < POPULAR; i++) {
    records.push(`p${i}.bench 300 IN A 203.0.113.${i % 250}`, `p${i}.bench 300 IN AAAA 2001:db8:3::${i.toString(16)}`);
  }
  for (let i = 0; i < RARE; i++) records.push(`r${i}.bench 300 IN AAAA 2001:db8:2::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`);
  return records;
}

/** A deterministic mix, `lines` queries long; its rare names start at `rareOffset`. */
export function benchQueryLines(lines: number, rareOffset: number): string[] {
  let seed = 0x5eed;
  const random = () => {
    // xorshift32: the same popular-name sequence every run, without a dependency
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const cumulative: number[] = [];
  let sum = 0;
  for (let i = 0; i < POPULAR; i++) cumulative.push((sum += 1 / (i + 1)));
  const out: string[] = [];
  let rare = rareOffset;
  for (let i = 0; i < lines; i++) {
    if (random() < 0.1) {
      out.push(`r${rare++ % RARE}.${BENCH_ZONE} AAAA`);
      continue;
    }
    const x = random() * sum;
    let k = 0;
    while (cumulative[k]! < x) k++;
    out.push(`p${k}.${BENCH_ZONE} ${random() < 0.7 ? 'A' : 'AAAA'}`);
  }
  return out;
}

/**
 * Which part of the mix a query name belongs to: the popular names, answered from addresses the
 * proxy knows are programmed (released at once), or the rare ones, each a new FQDN cache entry
 * (held for a map write). The benchmark splits the latency at 10k q/s by it.
 */
export function nameClass(name: string): 'popular' | 'rare' | 'other' {
  if (/^p\d+\./.test(name)) return 'popular';
  if (/^r\d+\./.test(name)) return 'rare';
  return 'other';
}
