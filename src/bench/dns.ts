// Benchmark (issue 4): the transparent DNS proxy against the resolver itself and against dnsmasq
// as a cache-less forwarder, all driven by dnsperf from pods of the namespace test bed, in one run.
//
//   proxied pod --steered by the datapath--> agent's proxy (node ns) --> unbound (world ns)
//   plain pod   -------------------------------------------------------> unbound (world ns)
//   plain pod   --> dnsmasq --cache-size=0 (node ns, 10.255.0.1) ------> unbound (world ns)
//   plain pod   --> ceiling relay (node ns, 10.255.0.1:5300) -----------> unbound (world ns)
//   plain pod   --> node relays (node ns, 10.255.0.1:5301 and :5302) ---> unbound (world ns)
//
// Figures:
//   - proxyQps, directQps, dnsmasqQps: answered queries/s with dnsperf unthrottled (4 clients,
//     200 outstanding); median of interleaved rounds, so a neighbour's burst hits all paths alike.
//   - proxyAddedP50Ms/P99Ms: dnsperf -Q 10000 with -v (per-query latencies, lost queries counted
//     as slowest) on the direct path and on the proxy path, one after the other, in ROUNDS pairs
//     (the pair with the median added p99 is reported, every pair in detail); added = proxy
//     percentile minus direct percentile. Percentiles do not subtract exactly (they are not of the
//     same queries), but both runs offer the same query sequence at the same rate, so the
//     difference is the proxy's share of each quantile.
//   - answerToMapP50Us/P99Us: from the agent's sluice_answer_to_map_latency_seconds histogram
//     (onAnswer from call to resolution: FQDN cache, allowlist diff, BPF map write), scraped before
//     and after the first-connection trials, whose every answer is a new name and so a real map
//     write. Interpolated inside the histogram's buckets (10/25/50/100/250 µs ...). The same
//     histogram over the dnsperf load is reported alongside: the held answers only, since the
//     proxy thread releases answers whose addresses are programmed already without this hook.
//   - ceilingQps, detail.ceiling: the same runs through ceilingRelay.c, the least a forwarder can
//     do (batched C relay, no parsing, policy or log). What it reaches bounds what any forwarder
//     can reach on this machine, where dnsperf and the resolver share the cores: the frame for
//     the targets, which are set against dnsmasq.
//   - detail.nodeRelays: the same runs through nodeRelay.ts, the id rewrite alone in Node: with
//     one node:dgram callback and send per datagram, and with the proxy's own batched I/O
//     (UdpRecvBatch, UdpSendBatch). With their CPU per query they split the proxy's cost into what
//     the runtime's I/O takes and what the proxy's work per query takes. Their CPU per query at
//     10k q/s too (usPerQueryAt10k), where every datagram wakes the process up.
//   - detail.gcAt10k: the agent threads' garbage-collection pauses over the proxy's 10k q/s run
//     (from its metrics): a pause on the proxy thread holds every query in flight.
//   - detail.agentCpuWhileProxying: the agent's CPU time over each unthrottled proxy round, per
//     answered query and in cores: says whether the proxy ran out of CPU; and per query split by
//     thread (main, the proxy thread, V8's and libuv's helpers), which says where it goes.
//     detail.agentCpuAt10k: the same over each 10k q/s run.
//   - detail.at10kByClass: the median pair's latencies split by the query mix's two parts:
//     popular names, which the proxy thread releases at once, and rare names, each held until
//     the main thread has written its address: says which of them makes the tail.
//   - firstConnectionTrials/Failures: lookup through the proxy, then a TCP connect to the first
//     address at once, as test/kernel/dnsProxy.test.ts does.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DNS_THREAD_NAME } from '../agent/dnsProxyThread.js';
import { GC_KINDS } from '../agent/gcPauses.js';
import { AgentProcess, PeerClient, PeerServer, Resolver, Testbed, RESOLVER4, RESOLVER6, metricSample, scenarioPolicy, scrapeAgentMetrics } from '../testbed/index.js';
import { dnsperf, latencyQuantileMs, sortedQuantileMs, type DnsperfRun } from './dns/dnsperf.js';
import { processCpuSeconds, threadCpuSeconds } from './processCpu.js';
import { DnsmasqForwarder } from './dns/forwarder.js';
import { Relay } from './dns/relays.js';
import { diffHistogram, histogramCount, histogramQuantile, parseHistogram } from './dns/promHistogram.js';
import { BENCH_ZONE, benchQueryLines, benchZoneRecords, nameClass } from './dns/queryMix.js';

export const resultName = 'dns';

const TRIALS = 1000;
const V4_TRIALS = 250;
const ROUNDS = 3;
const THROUGHPUT_SEC = 5;
const LATENCY_SEC = 8;
const OFFERED_QPS = 10_000;
const QUERY_LINES = 100_000;
const FORWARDER = '10.255.0.1';
const RELAY_PORT = 5300;
const NODE_DGRAM_PORT = 5301;
const NODE_BATCHED_PORT = 5302;
const METRICS = '127.0.0.1:9963';
const MAP_METRIC = 'sluice_answer_to_map_latency_seconds';

const trialRecords = [
  ...Array.from({ length: V4_TRIALS }, (_, i) => `t${i}.trial 60 IN A 198.51.100.${i + 1}`),
  ...Array.from({ length: TRIALS - V4_TRIALS }, (_, i) => `t${i + V4_TRIALS}.trial 60 IN AAAA 2001:db8:1::${(i + 1).toString(16)}`),
];

const policy = scenarioPolicy({
  name: 'bench-egress', app: 'bench',
  dnsPatterns: [`*.${BENCH_ZONE}`, '*.trial.test'],
  fqdns: [{ matchPattern: `*.${BENCH_ZONE}` }, { matchPattern: '*.trial.test' }],
});

export interface DnsBenchResult {
  proxyQps: number;
  directQps: number;
  dnsmasqQps: number;
  ceilingQps: number;
  proxyAddedP50Ms: number;
  proxyAddedP99Ms: number;
  proxyLostPctAt10k: number;
  answerToMapP50Us: number;
  answerToMapP99Us: number;
  firstConnectionTrials: number;
  firstConnectionFailures: number;
  targets: Record<string, { value: number; met: boolean; rule: string }>;
  detail: Record<string, unknown>;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function latencySummary(run: DnsperfRun) {
  return {
    offeredQps: OFFERED_QPS, qps: Math.round(run.qps), lost: run.lost, avgMs: round(run.avgMs),
    p50Ms: round(latencyQuantileMs(run, 0.5)), p99Ms: round(latencyQuantileMs(run, 0.99)), p999Ms: round(latencyQuantileMs(run, 0.999)),
  };
}

/**
 * A dnsperf run with the CPU process `pid` spent over it (NaN, null in the file, without a pid),
 * in all and per thread role (threadCpuSeconds).
 */
async function withCpu(pid: number | undefined, run: () => Promise<DnsperfRun>): Promise<{ run: DnsperfRun; cpuSec: number; threadsSec: Record<string, number> }> {
  if (pid === undefined) return { run: await run(), cpuSec: NaN, threadsSec: {} };
  const before = processCpuSeconds(pid);
  const threadsBefore = threadCpuSeconds(pid, [DNS_THREAD_NAME]);
  const result = await run();
  const threadsSec = Object.fromEntries(Object.entries(threadCpuSeconds(pid, [DNS_THREAD_NAME])).map(([role, sec]) => [role, sec - (threadsBefore[role] ?? 0)]));
  return { run: result, cpuSec: processCpuSeconds(pid) - before, threadsSec };
}

const usPerQuery = (cpuSec: number, run: DnsperfRun) => round((cpuSec * 1e6) / Math.max(1, run.completed), 1);
const threadsPerQuery = (threadsSec: Record<string, number>, run: DnsperfRun) =>
  Object.fromEntries(Object.entries(threadsSec).map(([role, sec]) => [role, usPerQuery(sec, run)]));

/**
 * The median pair's latencies at 10k q/s by part of the query mix (queryMix.ts): popular names,
 * which the proxy thread releases at once, and rare ones, held for a map write by the main
 * thread. Answered queries only (dnsperf -v prints no line for a lost one).
 */
function byClass(direct: DnsperfRun, proxy: DnsperfRun) {
  const out: Record<string, { share: number; direct: Record<string, number>; proxy: Record<string, number> }> = {};
  const quantiles = (xs: readonly number[]) => ({ p50Ms: round(sortedQuantileMs(xs, 0.5)), p90Ms: round(sortedQuantileMs(xs, 0.9)), p99Ms: round(sortedQuantileMs(xs, 0.99)) });
  for (const [name, xs] of Object.entries(proxy.latenciesByClass)) {
    out[name] = { share: round(xs.length / Math.max(1, proxy.latenciesSec.length)), direct: quantiles(direct.latenciesByClass[name] ?? []), proxy: quantiles(xs) };
  }
  return out;
}

/** Per agent thread: pauses, their total and mean, and the share of `seconds` spent paused. */
function gcPausesBetween(before: string, after: string, seconds: number) {
  const sum = (text: string, name: string, thread: string) =>
    GC_KINDS.reduce((total, kind) => total + (metricSample(text, name, `thread="${thread}",kind="${kind}"`) ?? 0), 0);
  const out: Record<string, { pauses: number; pausedMs: number; meanMs: number; sharePct: number }> = {};
  for (const thread of ['dns-proxy', 'main']) {
    const pauses = sum(after, 'sluice_gc_pauses_total', thread) - sum(before, 'sluice_gc_pauses_total', thread);
    const pausedSec = sum(after, 'sluice_gc_pause_seconds_total', thread) - sum(before, 'sluice_gc_pause_seconds_total', thread);
    out[thread] = { pauses, pausedMs: round(pausedSec * 1000, 1), meanMs: round((pausedSec * 1000) / Math.max(1, pauses)), sharePct: round((100 * pausedSec) / seconds, 2) };
  }
  return out;
}

export async function run(): Promise<DnsBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-dns-bench-'));
  writeFileSync(join(dir, 'policy.yaml'), policy);
  let fileNo = 0;
  /** A fresh query file per dnsperf run: its own slice of rare names, so new names keep coming. */
  const queryFile = () => {
    const path = join(dir, `queries${fileNo}.txt`);
    writeFileSync(path, benchQueryLines(QUERY_LINES, fileNo++ * (QUERY_LINES / 10)).join('\n') + '\n');
    return path;
  };
  const bed = Testbed.create({ pods: [{ name: 'proxied', labels: { app: 'bench' } }, { name: 'plain', labels: { app: 'plain' } }] });
  let resolver: Resolver | undefined;
  let server: PeerServer | undefined;
  let agent: AgentProcess | undefined;
  let client: PeerClient | undefined;
  let forwarder: DnsmasqForwarder | undefined;
  const relays: Relay[] = [];
  try {
    resolver = await Resolver.start(bed.world, [{ origin: 'test.', records: [...benchZoneRecords(), ...trialRecords] }]);
    server = await PeerServer.start(bed.world, ['tcp:[::]:80']);
    agent = await AgentProcess.start(bed, {
      policyDir: dir, logDir: join(dir, 'log'), pinRoot: `/sys/fs/bpf/sluice-bench-${randomBytes(4).toString('hex')}`,
      pods: ['proxied'], extra: { metrics: { address: METRICS } },
    });
    client = await PeerClient.start(bed.pod('proxied').netns);
    forwarder = await DnsmasqForwarder.start(bed.node, FORWARDER, RESOLVER4, { netns: bed.pod('plain').netns, name: `p0.${BENCH_ZONE}` });
    relays.push(await Relay.ceiling(dir, bed.node, FORWARDER, RELAY_PORT, RESOLVER4));
    const nodeDgram = await Relay.node('dgram', bed.node, FORWARDER, NODE_DGRAM_PORT, RESOLVER4);
    const nodeBatched = await Relay.node('batched', bed.node, FORWARDER, NODE_BATCHED_PORT, RESOLVER4);
    relays.push(nodeDgram, nodeBatched);
    const scrape = () => parseHistogram(scrapeAgentMetrics(bed.node, METRICS), MAP_METRIC);

    // first connections, on a fresh allowlist: every answer here is a map write
    const beforeTrials = scrape();
    const failures: string[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const family = i < V4_TRIALS ? 4 : 6;
      const r = await client.lookupConnect(i % 2 === 0 ? RESOLVER4 : RESOLVER6, `t${i}.trial.test`, family, 80);
      if (!r.ok) failures.push(`t${i}: ${r.stage} ${r.error}`);
    }
    const trialsMap = diffHistogram(scrape(), beforeTrials);

    const paths = {
      direct: { netns: bed.pod('plain').netns, server: RESOLVER4 },
      dnsmasq: { netns: bed.pod('plain').netns, server: FORWARDER },
      proxy: { netns: bed.pod('proxied').netns, server: RESOLVER4 },
      ceiling: { netns: bed.pod('plain').netns, server: FORWARDER, port: RELAY_PORT },
      nodeDgram: { netns: bed.pod('plain').netns, server: FORWARDER, port: NODE_DGRAM_PORT },
      nodeBatched: { netns: bed.pod('plain').netns, server: FORWARDER, port: NODE_BATCHED_PORT },
    };
    const beforeLoad = scrape();
    // warm every path (JIT, resolver, socket buffers) before anything is measured
    for (const p of Object.values(paths)) await dnsperf({ ...p, queryFile: queryFile(), seconds: 2 });

    type PathName = keyof typeof paths;
    const perPath = <T>() => ({ direct: [], dnsmasq: [], proxy: [], ceiling: [], nodeDgram: [], nodeBatched: [] }) as Record<PathName, T[]>;
    const qps = perPath<number>();
    const lost = perPath<number>();
    // the CPU of the processes we measure (the agent, the node relays) while they run flat out:
    // per answered query, and in cores
    const cpuOf: Partial<Record<PathName, number | undefined>> = { proxy: agent.agentPid, nodeDgram: nodeDgram.pid, nodeBatched: nodeBatched.pid };
    const cpu = {
      proxy: { usPerQuery: [] as number[], cores: [] as number[], threadsUsPerQuery: [] as Record<string, number>[] },
      nodeDgram: { usPerQuery: [] as number[] },
      nodeBatched: { usPerQuery: [] as number[] },
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, p] of Object.entries(paths) as [PathName, (typeof paths)[PathName]][]) {
        const { run: result, cpuSec, threadsSec } = await withCpu(cpuOf[name], () => dnsperf({ ...p, queryFile: queryFile(), seconds: THROUGHPUT_SEC }));
        qps[name].push(Math.round(result.qps));
        lost[name].push(result.lost);
        if (name === 'proxy' || name === 'nodeDgram' || name === 'nodeBatched') cpu[name].usPerQuery.push(usPerQuery(cpuSec, result));
        if (name === 'proxy') {
          cpu.proxy.cores.push(round(cpuSec / THROUGHPUT_SEC, 2));
          cpu.proxy.threadsUsPerQuery.push(threadsPerQuery(threadsSec, result));
        }
      }
    }

    const at10k = async (p: (typeof paths)[keyof typeof paths]) =>
      dnsperf({ ...p, queryFile: queryFile(), seconds: LATENCY_SEC, maxQps: OFFERED_QPS, perQuery: true, classOf: nameClass });
    // The p99 at 10k q/s moves by a factor of two or three from run to run on this machine, so the
    // direct and proxy runs go in ROUNDS alternating pairs, and the pair with the median added p99
    // gives the headline figures (all pairs are in detail.at10kRounds).
    const pairs: { direct: DnsperfRun; proxy: DnsperfRun; gc: ReturnType<typeof gcPausesBetween>; agentCpuSec: number; threadsSec: Record<string, number> }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const direct = await at10k(paths.direct);
      const gcBefore = scrapeAgentMetrics(bed.node, METRICS);
      const { run: proxy, cpuSec: agentCpuSec, threadsSec } = await withCpu(agent.agentPid, () => at10k(paths.proxy));
      pairs.push({ direct, proxy, gc: gcPausesBetween(gcBefore, scrapeAgentMetrics(bed.node, METRICS), LATENCY_SEC), agentCpuSec, threadsSec });
    }
    const addedIn = (pair: (typeof pairs)[number], q: number) => round(latencyQuantileMs(pair.proxy, q) - latencyQuantileMs(pair.direct, q));
    const medianPair = [...pairs].sort((a, b) => addedIn(a, 0.99) - addedIn(b, 0.99))[Math.floor(pairs.length / 2)]!;
    const { direct: directLat, proxy: proxyLat, gc: gcAt10k } = medianPair;
    const dnsmasqLat = await at10k(paths.dnsmasq);
    const ceilingLat = await at10k(paths.ceiling);
    // the Node relays' CPU per query at 10k q/s too: what waking up for every datagram costs a
    // forwarder that does nothing else, next to the agent's agentCpuAt10k
    const { run: nodeDgramLat, cpuSec: nodeDgramCpuAt10k } = await withCpu(nodeDgram.pid, () => at10k(paths.nodeDgram));
    const { run: nodeBatchedLat, cpuSec: nodeBatchedCpuAt10k } = await withCpu(nodeBatched.pid, () => at10k(paths.nodeBatched));
    const loadMap = diffHistogram(scrape(), beforeLoad);

    const proxyQps = median(qps.proxy);
    const dnsmasqQps = median(qps.dnsmasq);
    const ceilingQps = median(qps.ceiling);
    const addedOver = (run: DnsperfRun, q: number) => round(latencyQuantileMs(run, q) - latencyQuantileMs(directLat, q));
    const proxyAddedP99Ms = addedOver(proxyLat, 0.99);
    return {
      proxyQps,
      directQps: median(qps.direct),
      dnsmasqQps,
      ceilingQps,
      proxyAddedP50Ms: addedOver(proxyLat, 0.5),
      proxyAddedP99Ms,
      // p99 is null (infinite) when more than 1% of the queries offered at 10k/s got no answer
      proxyLostPctAt10k: round((100 * proxyLat.lost) / Math.max(1, proxyLat.lost + proxyLat.latenciesSec.length), 2),
      answerToMapP50Us: round(histogramQuantile(trialsMap, 0.5) * 1e6, 1),
      answerToMapP99Us: round(histogramQuantile(trialsMap, 0.99) * 1e6, 1),
      firstConnectionTrials: TRIALS,
      firstConnectionFailures: failures.length,
      targets: {
        proxyAddedP99Ms: { value: proxyAddedP99Ms, met: proxyAddedP99Ms <= 1, rule: `<= 1 ms added at ${OFFERED_QPS} queries/s offered` },
        proxyQpsOverDnsmasq: { value: round(proxyQps / dnsmasqQps, 2), met: proxyQps >= 2 * dnsmasqQps, rule: '>= 2x dnsmasq as a cache-less forwarder' },
        firstConnectionFailures: { value: failures.length, met: failures.length === 0, rule: '0 of 1000' },
      },
      detail: {
        throughputRounds: { qps, lost, seconds: THROUGHPUT_SEC, dnsperf: '-c 4 -q 200' },
        agentCpuWhileProxying: {
          ...cpu.proxy,
          source: '/proc/PID/stat of the agent process (user + system), over each proxy round; threadsUsPerQuery from /proc/PID/task/*/stat: main, the proxy thread (sluice-dns), V8 and libuv helpers',
        },
        at10k: {
          direct: latencySummary(directLat), proxy: latencySummary(proxyLat), dnsmasq: latencySummary(dnsmasqLat), ceiling: latencySummary(ceilingLat),
          nodeDgram: latencySummary(nodeDgramLat), nodeBatched: latencySummary(nodeBatchedLat),
        },
        dnsmasqAddedP99Ms: addedOver(dnsmasqLat, 0.99),
        at10kRounds: {
          rounds: pairs.map((pair) => ({ addedP50Ms: addedIn(pair, 0.5), addedP99Ms: addedIn(pair, 0.99), directP99Ms: round(latencyQuantileMs(pair.direct, 0.99)), proxyP99Ms: round(latencyQuantileMs(pair.proxy, 0.99)) })),
          headline: 'the round with the median added p99 (proxyAddedP50Ms, proxyAddedP99Ms, at10k.direct/proxy, gcAt10k are from it)',
        },
        at10kByClass: byClass(directLat, proxyLat),
        agentCpuAt10k: {
          usPerQuery: pairs.map((pair) => usPerQuery(pair.agentCpuSec, pair.proxy)),
          cores: pairs.map((pair) => round(pair.agentCpuSec / LATENCY_SEC, 2)),
          threadsUsPerQuery: pairs.map((pair) => threadsPerQuery(pair.threadsSec, pair.proxy)),
          source: '/proc/PID/stat of the agent process (user + system), over each proxy run at 10k q/s (at10kRounds order); threadsUsPerQuery per thread role as in agentCpuWhileProxying',
        },
        gcAt10k: { ...gcAt10k, source: 'sluice_gc_pauses_total and sluice_gc_pause_seconds_total over the proxy run at 10k q/s' },
        ceiling: {
          source: 'src/bench/dns/ceilingRelay.c: one-thread C relay, recvmmsg/sendmmsg, rewrites the id only',
          qpsOverDnsmasq: round(ceilingQps / dnsmasqQps, 2),
          addedP50Ms: addedOver(ceilingLat, 0.5),
          addedP99Ms: addedOver(ceilingLat, 0.99),
        },
        nodeRelays: {
          source: 'src/bench/dns/nodeRelay.ts: the id rewrite alone in Node; dgram = a node:dgram callback and send per datagram, batched = the proxy\'s UdpRecvBatch and UdpSendBatch',
          ...Object.fromEntries((['nodeDgram', 'nodeBatched'] as const).map((name) => [name === 'nodeDgram' ? 'dgram' : 'batched', {
            qps: median(qps[name]),
            qpsOverDnsmasq: round(median(qps[name]) / dnsmasqQps, 2),
            usPerQuery: median(cpu[name].usPerQuery),
            usPerQueryAt10k: name === 'nodeDgram' ? usPerQuery(nodeDgramCpuAt10k, nodeDgramLat) : usPerQuery(nodeBatchedCpuAt10k, nodeBatchedLat),
            addedP50Ms: addedOver(name === 'nodeDgram' ? nodeDgramLat : nodeBatchedLat, 0.5),
            addedP99Ms: addedOver(name === 'nodeDgram' ? nodeDgramLat : nodeBatchedLat, 0.99),
          }])),
        },
        answerToMap: {
          source: `${MAP_METRIC} (agent histogram, interpolated within buckets)`,
          trials: { count: histogramCount(trialsMap) },
          underLoad: {
            count: histogramCount(loadMap),
            p50Us: round(histogramQuantile(loadMap, 0.5) * 1e6, 1),
            p99Us: round(histogramQuantile(loadMap, 0.99) * 1e6, 1),
          },
        },
        firstConnectionFailureSamples: failures.slice(0, 10),
        queryMix: '90% of 200 popular names (Zipf, A 70% / AAAA 30%), 10% rare names (AAAA) new in every run',
      },
    };
  } finally {
    forwarder?.stop();
    for (const relay of relays) relay.stop();
    client?.stop();
    await agent?.stop();
    server?.stop();
    resolver?.stop();
    bed.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
