// The Kafka benchmark (runner module: scripts/bench.mjs writes bench/results/kafka.json): flows
// from a BPF ring buffer (kafkaRingSource.ts; callers may pass another FlowSourceFn) through
// Hubble JSON, the local log and the forwarder (sendBatch) to the real broker, against a plain
// kafkajs producer sending the same records one send per record. `lost` counts records
// the broker does not hold at the end (must be 0). Starts the broker of scripts/kafka.sh if none
// answers, and then stops it again. After a warm-up round, three rounds of a million flows:
// flowsPerSec is their median. Batches are compressed as the agent compresses them by default
// (lz4); three more rounds without compression are recorded beside them for comparison.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLog } from '../log/eventLog.js';
import { deleteTopics, ensureTopics } from '../log/kafka/ensureTopics.js';
import { defaultKafkaCompression, type ForwarderCompression } from '../log/kafka/compression.js';
import { ForwarderThread } from '../log/kafka/forwarderThread.js';
import { createKafkaClient, type KafkaClient } from '../log/kafka/kafkaClient.js';
import type { FlowContext } from '../log/hubble/flowContext.js';
import { topicName } from '../log/topics.js';
import { baselineFlowsPerSec } from './kafkaBaseline.js';
import { acquireKafkaBroker, kafkaBrokerPid } from './kafkaBroker.js';
import { processCpuSeconds } from './processCpu.js';
import { benchFlowContext, type FlowSourceFn } from './kafkaFlowSource.js';
import { openRingFlowSource } from './kafkaRingSource.js';
import { measureBootTimeOffsetNs } from '../log/hubble/flowContext.js';
import { topicMessageCount } from './kafkaTopics.js';

export const resultName = 'kafka';

const ROUNDS = 3;
const WARMUP_FLOWS = 2_000_000;

export interface KafkaBenchOptions { compression?: ForwarderCompression; flows?: number; rounds?: number; baselineFlows?: number; brokers?: string[]; source?: FlowSourceFn; partitions?: number }

export interface KafkaBenchResult {
  flowsPerSec: number;
  lost: number;
  baselineFlowsPerSec: number;
  flows: number;
  baselineFlows: number;
  partitions: number;
  /** Bytes of one Hubble JSON line, on average. */
  bytesPerFlow: number;
  brokerStartedByBench: boolean;
  compression: ForwarderCompression;
  /** The same rounds with uncompressed batches, for comparison (not with compression none itself). */
  uncompressed?: { flowsPerSec: number; rounds: number[]; lost: number; cpuUsPerFlow: { sluice: number[]; broker: (number | null)[] } };
  /** Where the flows came from. */
  source: string;
  /** flows/s of each round (`flows` each); flowsPerSec is their median, lost their sum. */
  rounds: number[];
  /** Where the time goes: CPU µs per flow, by round, of Sluice's side and of the broker. */
  cpuUsPerFlow: { sluice: number[]; broker: (number | null)[]; source: string };
}

interface Round {
  flowsPerSec: number;
  lost: number;
  bytesPerFlow: number;
  /** CPU per flow of this process (publishing and the forwarder thread) and of the broker. */
  sluiceCpuUsPerFlow: number;
  brokerCpuUsPerFlow: number | null;
}

const medianRound = (rounds: Round[]): Round => [...rounds].sort((a, b) => a.flowsPerSec - b.flowsPerSec)[Math.floor(rounds.length / 2)]!;

/** One run of `flows` flows through a fresh local log and fresh topics. */
async function oneRound(o: { client: KafkaClient; brokers: string[]; partitions: number; compression: ForwarderCompression; source: FlowSourceFn; flows: number; flowContext: FlowContext }): Promise<Round> {
  const prefix = `bench-${Date.now()}-${randomBytes(3).toString('hex')}.`;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-kafka-'));
  try {
    await ensureTopics(o.client, prefix, o.partitions);
    const log = new EventLog({ dir, node: 'node-1', flowContext: o.flowContext, topicOptions: { fsync: { mode: 'interval', intervalMs: 1000 }, retentionBytes: null } });
    // The forwarder on its own thread (forwarderThread.ts), as the agent runs it.
    const forwarder = new ForwarderThread({ logDir: dir, connect: { brokers: o.brokers }, topicPrefix: prefix, pollMs: 5, compression: o.compression, onError: (e) => process.stderr.write(`kafka bench: ${e.message}\n`) });
    const brokerPid = kafkaBrokerPid();
    const brokerCpu0 = brokerPid === undefined ? undefined : processCpuSeconds(brokerPid);
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    forwarder.start();
    for (const batch of o.source(o.flows)) {
      log.publishFlows(batch);
      await new Promise((r) => setImmediate(r)); // let the forwarder run between batches, as the ring reader would
    }
    while (forwarder.stats.forwarded.flows < o.flows) await new Promise((r) => setTimeout(r, 2));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const brokerCpuSec = brokerCpu0 === undefined ? undefined : processCpuSeconds(brokerPid!) - brokerCpu0;
    await forwarder.stop();
    const logBytes = log.writers.flows.stats.appendedBytes;
    log.close();
    const stored = await topicMessageCount(o.client, topicName('flows', prefix));
    const perFlow = (sec: number) => Math.round((sec * 1e6 * 100) / o.flows) / 100;
    return {
      flowsPerSec: Math.round(o.flows / seconds), lost: o.flows - stored, bytesPerFlow: Math.round(logBytes / o.flows),
      sluiceCpuUsPerFlow: perFlow((cpu.user + cpu.system) / 1e6), brokerCpuUsPerFlow: brokerCpuSec === undefined ? null : perFlow(brokerCpuSec),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await deleteTopics(o.client, prefix);
  }
}

export async function run(options: KafkaBenchOptions = {}): Promise<KafkaBenchResult> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const flows = options.flows ?? 1_000_000;
  const rounds = options.rounds ?? ROUNDS;
  const baselineFlows = options.baselineFlows ?? 5_000;
  const partitions = options.partitions ?? 3;
  // what the agent uses by default (lz4 where liblz4 loads)
  const compression = options.compression ?? defaultKafkaCompression();
  const broker = options.brokers ? null : acquireKafkaBroker();
  const brokers = options.brokers ?? ['127.0.0.1:9092'];
  const client = createKafkaClient({ brokers });
  // the real ring buffer unless a caller brings its own source
  const ring = options.source === undefined ? openRingFlowSource() : null;
  try {
    const source = options.source ?? ring!.source;
    // ring events carry CLOCK_BOOTTIME stamps, as the datapath's do
    const flowContext = ring ? { ...benchFlowContext(), bootTimeOffsetNs: measureBootTimeOffsetNs() } : benchFlowContext();
    // an unmeasured round first: a broker the benchmark just started runs its first batches
    // interpreted (JVM warm-up), and so does our own encoder
    await oneRound({ client, brokers, partitions, compression, source, flows: WARMUP_FLOWS, flowContext });
    const results: Round[] = [];
    for (let r = 0; r < rounds; r++) results.push(await oneRound({ client, brokers, partitions, compression, source, flows, flowContext }));
    const median = medianRound(results);
    const plain: Round[] = [];
    if (compression !== 'none') {
      for (let r = 0; r < rounds; r++) plain.push(await oneRound({ client, brokers, partitions, compression: 'none', source, flows, flowContext }));
    }
    // A topic of its own, partitioned alike: the baseline writes there.
    const basePrefix = `bench-${Date.now()}-base.`;
    await ensureTopics(client, basePrefix, partitions);
    let base: { flowsPerSec: number; flows: number };
    try {
      base = await baselineFlowsPerSec(client, topicName('dns', basePrefix), source, baselineFlows, flowContext);
    } finally {
      await deleteTopics(client, basePrefix);
    }
    return {
      flowsPerSec: median.flowsPerSec,
      // every round must have delivered everything
      lost: results.reduce((sum, r) => sum + r.lost, 0),
      baselineFlowsPerSec: base.flowsPerSec,
      flows, baselineFlows: base.flows, partitions, bytesPerFlow: median.bytesPerFlow, brokerStartedByBench: broker?.startedHere ?? false, compression,
      source: ring ? 'BPF ring buffer (bench_fill via BPF_PROG_TEST_RUN, zero-copy reader; the kernel filling counts in the time)' : 'caller-supplied',
      ...(plain.length > 0 ? { uncompressed: {
        flowsPerSec: medianRound(plain).flowsPerSec,
        rounds: plain.map((r) => r.flowsPerSec),
        lost: plain.reduce((sum, r) => sum + r.lost, 0),
        cpuUsPerFlow: { sluice: plain.map((r) => r.sluiceCpuUsPerFlow), broker: plain.map((r) => r.brokerCpuUsPerFlow) },
      } } : {}),
      rounds: results.map((r) => r.flowsPerSec),
      cpuUsPerFlow: {
        sluice: results.map((r) => r.sluiceCpuUsPerFlow),
        broker: results.map((r) => r.brokerCpuUsPerFlow),
        source: 'process.cpuUsage() of the benchmark (publishing + forwarder thread); /proc/PID/stat of the broker (user + system), per round',
      },
    };
  } finally {
    ring?.close();
    broker?.release();
  }
}
