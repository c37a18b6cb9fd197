// Loopback throughput of the DNS proxy: dnsperf -> proxy -> dnsmasq (local records), against
// dnsperf -> dnsmasq directly, all on 127.0.0.1. Not the issue-4 benchmark (that one runs from a
// pod in the namespace test bed); this measures the proxy's own cost on this machine.
// Run: npx vite-node bench/dnsProxyLoopback.ts [seconds]
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDnsProxy } from '../src/dns/index.js';
import { createFqdnPipeline } from '../src/pipeline/index.js';
import { startDnsmasq } from '../test/dns/resolver.js';

const seconds = Number(process.argv[2] ?? 10);
const names = Array.from({ length: 50 }, (_, i) => `h${i}.sluice.test`);
const resolver = await startDnsmasq(names.map((name, i) => `host-record=${name},192.0.2.${i + 1},300`).concat('host-record=www.sluice.test,192.0.2.200,300'));
const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
const queries = join(dir, 'queries.txt');
writeFileSync(queries, names.map((name) => `${name} A`).join('\n') + '\n');

const pipeline = createFqdnPipeline({ writer: { apply: async () => undefined }, isInUse: () => false });
pipeline.events$.subscribe();
pipeline.setPolicy(1, { cidrRules: [], fqdnSelectors: [{ selector: 'matchPattern: *.sluice.test', matches: (n) => n.endsWith('.sluice.test') }] });
const proxy = await startDnsProxy({
  lookupOrigin: () => ({ endpointId: 1, server: '127.0.0.1', port: resolver.port }),
  decide: () => ({ allowed: true, rule: 'matchPattern: *.sluice.test', policy: 'bench/p' }),
  onAnswer: process.env.BENCH_NO_PIPELINE === "1" ? async () => undefined : pipeline.onAnswer,
  onEvent: () => undefined,
});

async function dnsperf(port: number, extra: string[]): Promise<{ qps: number; avgMs: number; lost: number }> {
  const { stdout } = await promisify(execFile)('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-l', String(seconds), ...extra], { maxBuffer: 1 << 24 });
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(stdout)?.[1]);
  const avgMs = Number(/Average Latency \(s\):\s+([\d.]+)/.exec(stdout)?.[1]) * 1000;
  const lost = Number(/Queries lost:\s+(\d+)/.exec(stdout)?.[1]);
  return { qps, avgMs, lost };
}

const direct = await dnsperf(resolver.port, ['-c', '4', '-q', '200']);
const viaProxy = await dnsperf(proxy.port, ['-c', '4', '-q', '200']);
const directAt5k = await dnsperf(resolver.port, ['-Q', '5000']);
const proxyAt5k = await dnsperf(proxy.port, ['-Q', '5000']);
console.log(JSON.stringify({ seconds, direct, viaProxy, directAt5k, proxyAt5k, addedAvgMsAt5k: proxyAt5k.avgMs - directAt5k.avgMs, counters: proxy.counters }, null, 2));
await proxy.close();
pipeline.stop();
await resolver.stop();
