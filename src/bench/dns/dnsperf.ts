// dnsperf run inside a pod's namespace, its summary parsed; with `perQuery` the per-query
// latencies of `-v` are kept too (dnsperf 2.10 prints only mean and stddev otherwise, and the
// issue's targets are percentiles).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface DnsperfRun {
  qps: number;
  sent: number;
  completed: number;
  lost: number;
  avgMs: number;
  /** Sorted ascending, seconds; empty unless asked for. */
  latenciesSec: number[];
  /** The same latencies split by `classOf` of each query's name, each sorted; empty unless asked for. */
  latenciesByClass: Record<string, number[]>;
}

export interface DnsperfOptions {
  netns: string;
  server: string;
  port?: number;
  queryFile: string;
  seconds: number;
  /** Offered rate (-Q); unlimited when absent. */
  maxQps?: number;
  clients?: number;
  outstanding?: number;
  perQuery?: boolean;
  /** With perQuery: a class for each query name (latenciesByClass), e.g. popular and rare names. */
  classOf?: (name: string) => string;
}

const number = (re: RegExp, text: string) => Number(re.exec(text)?.[1] ?? NaN);

export async function dnsperf(o: DnsperfOptions): Promise<DnsperfRun> {
  const args = ['netns', 'exec', o.netns, 'dnsperf', '-s', o.server, '-p', String(o.port ?? 53), '-d', o.queryFile, '-l', String(o.seconds),
    '-c', String(o.clients ?? 4), '-q', String(o.outstanding ?? 200), '-t', '2'];
  if (o.maxQps !== undefined) args.push('-Q', String(o.maxQps));
  if (o.perQuery === true) args.push('-v');
  const { stdout } = await promisify(execFile)('ip', args, { maxBuffer: 1 << 28 });
  const { latenciesSec, latenciesByClass } = o.perQuery === true ? parsePerQuery(stdout, o.classOf) : { latenciesSec: [], latenciesByClass: {} };
  return {
    qps: number(/Queries per second:\s+([\d.]+)/, stdout),
    sent: number(/Queries sent:\s+(\d+)/, stdout),
    completed: number(/Queries completed:\s+(\d+)/, stdout),
    lost: number(/Queries lost:\s+(\d+)/, stdout),
    avgMs: number(/Average Latency \(s\):\s+([\d.]+)/, stdout) * 1000,
    latenciesSec,
    latenciesByClass,
  };
}

/**
 * The per-query lines of dnsperf -v ("> NOERROR name type seconds"; lost queries have none):
 * every latency, and by class of the name when `classOf` is given. All sorted ascending.
 */
export function parsePerQuery(stdout: string, classOf?: (name: string) => string): { latenciesSec: number[]; latenciesByClass: Record<string, number[]> } {
  const latenciesSec: number[] = [];
  const latenciesByClass: Record<string, number[]> = {};
  for (const m of stdout.matchAll(/^> \S+ (\S+) \S+ ([\d.]+)$/gm)) {
    const seconds = Number(m[2]);
    latenciesSec.push(seconds);
    if (classOf !== undefined) (latenciesByClass[classOf(m[1]!)] ??= []).push(seconds);
  }
  latenciesSec.sort((a, b) => a - b);
  for (const xs of Object.values(latenciesByClass)) xs.sort((a, b) => a - b);
  return { latenciesSec, latenciesByClass };
}

/** The q-quantile of sorted latencies in seconds, as milliseconds (no lost queries here). */
export function sortedQuantileMs(sortedSec: readonly number[], q: number): number {
  if (sortedSec.length === 0) return NaN;
  const rank = Math.min(sortedSec.length - 1, Math.max(0, Math.ceil(q * sortedSec.length) - 1));
  return sortedSec[rank]! * 1000;
}

/**
 * The q-quantile of a run's latencies, lost queries counted as the slowest (a lost query is
 * worse than any answer), so a path that drops under load cannot look fast.
 */
export function latencyQuantileMs(run: DnsperfRun, q: number): number {
  const total = run.latenciesSec.length + run.lost;
  const rank = Math.min(total - 1, Math.max(0, Math.ceil(q * total) - 1));
  if (rank >= run.latenciesSec.length) return Infinity;
  return run.latenciesSec[rank]! * 1000;
}
