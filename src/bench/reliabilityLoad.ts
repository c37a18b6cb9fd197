// Load: 1,000 endpoints and 100,000 FQDN names holding 1,000,000 addresses in the datapath's
// allowlist map, programmed in-process through the real FQDN pipeline (createFqdnPipeline with a
// writer over Datapath.applyAllowlist) instead of 1,000 veths: the maps and the pipeline are what
// grow with endpoints and names; a veth more or less does not change them.
//
// Each endpoint's policy selects its own 100 names (matchPattern "*.e<N>.load.test"), each name
// has 10 addresses, so every address is one map entry. The bulk goes in per endpoint through the
// pipeline's restore path (the same fold a restarted agent runs); then synthetic DNS answers for
// new names measure what one answer costs at that scale.
import { randomBytes } from 'node:crypto';
import { cpuUsage } from 'node:process';
import { Datapath } from '../datapath/datapath.js';
import type { DnsExchange } from '../dns/index.js';
import { createFqdnPipeline, type RestoredAddress } from '../pipeline/index.js';
import { describeFqdnSelector, fqdnSelectorMatches } from '../policy/index.js';
import { rssMiB } from './reliability/fuzzTally.js';

export interface LoadOptions {
  endpoints: number;
  namesPerEndpoint: number;
  addressesPerName: number;
  /** Answers for new names once the maps are full, timed one by one. */
  answersAtScale: number;
}

export interface LoadResult {
  endpoints: number;
  names: number;
  addresses: number;
  mapEntries: number;
  programSec: number;
  programCpuSec: number;
  rssMiBBefore: number;
  rssMiBAt1MAddresses: number;
  answersAtScale: number;
  answerMsAtScaleMedian: number;
  answerMsAtScaleP99: number;
  answerCpuMsAtScale: number;
}

export const defaultLoad: LoadOptions = { endpoints: 1_000, namesPerEndpoint: 100, addressesPerName: 10, answersAtScale: 100 };

const RESTORE_BATCH = 100;

/** 10.x.y.z from a running number: distinct for up to 16 M addresses. */
const address = (n: number) => `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export async function runLoad(options: LoadOptions = defaultLoad): Promise<LoadResult> {
  const rssMiBBefore = rssMiB();
  const datapath = Datapath.open({ pinRoot: `/sys/fs/bpf/sluice-load-${randomBytes(4).toString('hex')}`, ringSizeBytes: 1 << 16 });
  const pipeline = createFqdnPipeline({
    writer: {
      apply: async (endpointId, puts, deletes) =>
        datapath.applyAllowlist(puts.map((p) => ({ endpointId, prefix: p.prefix, rules: [...p.rules] })), deletes.map((prefix) => ({ endpointId, prefix }))),
    },
    isInUse: () => false,
    // names per endpoint and addresses per name stay far under the cache's limits; no expiry runs
    expiryPeriodMs: 3_600_000,
  });
  const subscription = pipeline.events$.subscribe({ error: () => undefined });
  try {
    for (let e = 1; e <= options.endpoints; e++) {
      const selector = { matchPattern: `*.e${e}.load.test` };
      pipeline.setPolicy(e, {
        cidrRules: [],
        fqdnSelectors: [{ selector: describeFqdnSelector(selector), matches: (name) => fqdnSelectorMatches(selector, name) }],
      });
    }
    const now = Date.now();
    const cpu0 = cpuUsage();
    const t0 = performance.now();
    let n = 0;
    let entries: RestoredAddress[] = [];
    for (let e = 1; e <= options.endpoints; e++) {
      for (let k = 0; k < options.namesPerEndpoint; k++) {
        for (let a = 0; a < options.addressesPerName; a++) {
          entries.push({ endpointId: e, name: `n${k}.e${e}.load.test`, ip: address(n++), expiresAt: now + 3_600_000, dnsEventId: `load-${e}-${k}` });
        }
      }
      // a hundred endpoints per step: each step recomputes the allowlists it touches by walking
      // every cached name (selectedAddresses), so one step per endpoint would be quadratic
      if (e % RESTORE_BATCH === 0 || e === options.endpoints) {
        await pipeline.restore(entries, now);
        entries = [];
      }
    }
    await pipeline.flush();
    const programSec = (performance.now() - t0) / 1000;
    const cpu1 = cpuUsage(cpu0);
    let mapEntries = 0;
    for (const _ of datapath.maps.allowlist.keys()) mapEntries++;
    const rssMiBAt1MAddresses = rssMiB();

    // one answer at a time for a new name of a random endpoint, at full scale
    const times: number[] = [];
    const cpu2 = cpuUsage();
    for (let i = 0; i < options.answersAtScale; i++) {
      const e = 1 + (i * 7919) % options.endpoints;
      const exchange: DnsExchange = {
        dnsEventId: `load-answer-${i}`,
        endpointId: e,
        client: { addr: '10.100.1.2', port: 40000 },
        question: { qname: `new${i}.e${e}.load.test`, qtype: 'A', server: '192.0.2.53', port: 53, protocol: 'UDP' },
        decision: { allowed: true, rule: '*.load.test', policy: 'default/load' },
        answer: { rcode: 'NOERROR', addresses: [{ ip: address(n++), type: 'A', ttl: 300 }], cnames: [], ttlSec: 300 },
        truncated: false,
        answeredAt: Date.now(),
      };
      const started = performance.now();
      await pipeline.onAnswer(exchange);
      times.push(performance.now() - started);
    }
    const cpu3 = cpuUsage(cpu2);
    times.sort((a, b) => a - b);
    return {
      endpoints: options.endpoints,
      names: options.endpoints * options.namesPerEndpoint,
      addresses: options.endpoints * options.namesPerEndpoint * options.addressesPerName,
      mapEntries,
      programSec: Math.round(programSec * 10) / 10,
      programCpuSec: Math.round((cpu1.user + cpu1.system) / 1e5) / 10,
      rssMiBBefore,
      rssMiBAt1MAddresses,
      answersAtScale: options.answersAtScale,
      answerMsAtScaleMedian: Math.round(percentile(times, 0.5) * 100) / 100,
      answerMsAtScaleP99: Math.round(percentile(times, 0.99) * 100) / 100,
      answerCpuMsAtScale: Math.round((cpu3.user + cpu3.system) / 1000 / Math.max(1, options.answersAtScale) * 100) / 100,
    };
  } finally {
    subscription.unsubscribe();
    pipeline.stop();
    datapath.close();
  }
}
