// The event log against the real broker (scripts/kafka.sh): a round trip through the forwarder,
// kcat reading the flows topic as an outside client, and store-and-forward across a broker stop.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventLog, openTopicReader } from '../../src/log/eventLog.js';
import { endpointAdded, fqdnAllowed } from '../../src/log/events.js';
import { deleteTopics, ensureTopics } from '../../src/log/kafka/ensureTopics.js';
import { Forwarder } from '../../src/log/kafka/forwarder.js';
import { createKafkaClient } from '../../src/log/kafka/kafkaClient.js';
import { consumeTopic } from '../../src/log/kafka/kafkaConsumer.js';
import { formatTimeMs } from '../../src/log/time.js';
import { topicName } from '../../src/log/topics.js';
import { describeKafka } from '../support/env.js';
import { randomPrefix, syntheticFlow, tempLogDir, testFlowContext } from './support.js';

const BROKER = '127.0.0.1:9092';
const repoRoot = new URL('../../', import.meta.url).pathname;

function kcatDump(topic: string, expected: number): string[] {
  const out = execFileSync('kcat', ['-C', '-b', BROKER, '-t', topic, '-o', 'beginning', '-e', '-J', '-q', '-c', String(expected)], { encoding: 'utf8', timeout: 60_000 });
  return out.split('\n').filter((l) => l !== '');
}

/**
 * Bytes the broker stores for a topic's partitions, when it is scripts/kafka.sh's broker on this
 * machine (its data directory is recorded in .kafka/data-dir); undefined otherwise.
 */
function brokerTopicBytes(topic: string): number | undefined {
  const record = join(repoRoot, '.kafka', 'data-dir');
  if (!existsSync(record)) return undefined;
  const logs = join(readFileSync(record, 'utf8').trim(), 'kraft');
  if (!existsSync(logs)) return undefined;
  let bytes = 0;
  for (const d of readdirSync(logs).filter((n) => n.startsWith(`${topic}-`))) {
    for (const f of readdirSync(join(logs, d)).filter((n) => n.endsWith('.log'))) bytes += statSync(join(logs, d, f)).size;
  }
  return bytes;
}

/** The Hubble records the local log's flows topic holds, in offset order. */
const localFlows = (dir: string) => openTopicReader(dir, 'flows').read().map((r) => JSON.parse(r.value.toString()));

async function consumeN(prefix: string, kind: 'flows' | 'policy-changes', n: number): Promise<string[]> {
  const client = createKafkaClient({ brokers: [BROKER] });
  const got: string[] = [];
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 60_000);
  await consumeTopic({ client, kind, topicPrefix: prefix, fromBeginning: true, signal: ac.signal, onMessage: (v) => { got.push(v); if (got.length >= n) ac.abort(); } });
  clearTimeout(timer);
  return got;
}

describeKafka('log > kafka (real broker)', () => {
  const dirs: string[] = [];
  beforeAll(() => { process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'; });
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    const client = createKafkaClient({ brokers: [BROKER] });
    for (const p of prefixes) await deleteTopics(client, p);
  });

  it.each(['none', 'lz4'] as const)('forwards flows and policy changes (%s batches); kafkajs and kcat read them back with ids and keys', async (compression) => {
    const dir = tempLogDir(); dirs.push(dir);
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const log = new EventLog({ dir, node: 'node-1', flowContext: testFlowContext });
    log.publishFlows(Array.from({ length: 500 }, (_, i) => syntheticFlow(i)));
    const flows = localFlows(dir);
    expect(flows).toHaveLength(500);
    const added = log.publish(endpointAdded({ id: 3, name: 'pod-3', namespace: 'default', labels: { app: 'client' }, ipv4: '10.0.0.3', ipv6: null, ifname: 'lxc3' }));
    log.publish(fqdnAllowed({ endpointId: 3, name: 'api.example.com', ip: '203.0.113.7', selector: '*.example.com', expiresAt: formatTimeMs(Date.now() + 60_000), ttlSec: 60, dnsEventId: added.id }));
    log.close();

    const client = createKafkaClient({ brokers: [BROKER] });
    await ensureTopics(client, prefix, 3);
    const forwarder = new Forwarder({ logDir: dir, client, topicPrefix: prefix, batchSize: 128, compression });
    expect(await forwarder.forwardOnce()).toBe(502);
    expect(await forwarder.forwardOnce()).toBe(0); // the checkpoint says everything is shipped
    await forwarder.stop();

    const policy = (await consumeN(prefix, 'policy-changes', 2)).map((v) => JSON.parse(v));
    expect(policy.map((e) => e.type).sort()).toEqual(['endpoint.added', 'fqdn.allowed']);
    expect(policy.find((e) => e.type === 'fqdn.allowed').causeId).toBe(added.id);

    const lines = kcatDump(topicName('flows', prefix), 500).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(500);
    const uuids = new Set(lines.map((l) => JSON.parse(l.payload).flow.uuid));
    expect(uuids).toEqual(new Set(flows.map((f) => f.flow.uuid)));
    const one = lines.find((l) => JSON.parse(l.payload).flow.uuid === flows[7]!.flow.uuid)!;
    expect(one.key).toBe(String(syntheticFlow(7).endpointId));
    expect(JSON.parse(one.payload)).toEqual(flows[7]);
    // Each endpoint's flows sit on one partition, in the order they were logged.
    const byKey = new Map<string, Set<number>>();
    for (const l of lines) byKey.set(l.key, (byKey.get(l.key) ?? new Set()).add(l.partition));
    for (const parts of byKey.values()) expect(parts.size).toBe(1);
    // what the broker stored is what was sent: lz4 batches take a fraction of the lines' bytes
    const stored = brokerTopicBytes(topicName('flows', prefix));
    const lineBytes = lines.reduce((n, l) => n + Buffer.byteLength(l.payload), 0);
    if (stored !== undefined) expect(stored < lineBytes / 3).toBe(compression === 'lz4');
  });

  it('keeps events in the local log while the broker is down and ships them all when it is back', async () => {
    const dir = tempLogDir(); dirs.push(dir);
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const client = createKafkaClient({ brokers: [BROKER], retries: 1, initialRetryTimeMs: 100 });
    await ensureTopics(client, prefix, 1);
    const log = new EventLog({ dir, node: 'node-1', flowContext: testFlowContext });
    const errors: string[] = [];
    const forwarder = new Forwarder({ logDir: dir, client, topicPrefix: prefix, pollMs: 50, retryBackoffMs: 500, onError: (e) => errors.push(e.message) });
    forwarder.start();
    const publish = (from: number, n: number) => log.publishFlows(Array.from({ length: n }, (_, i) => syntheticFlow(from + i)));
    publish(0, 100);
    await waitFor(() => forwarder.stats.forwarded.flows >= 100, 30_000);

    const stop = spawnSync('bash', ['scripts/kafka.sh', 'stop'], { cwd: repoRoot, encoding: 'utf8' });
    expect(stop.status, stop.stderr).toBe(0);
    try {
      publish(100, 300); // written locally while Kafka is gone
      await waitFor(() => forwarder.stats.failedSends > 0, 60_000);
      expect(forwarder.stats.forwarded.flows).toBe(100);
    } finally {
      const start = spawnSync('bash', ['scripts/kafka.sh', 'start'], { cwd: repoRoot, encoding: 'utf8' });
      expect(start.status, start.stderr).toBe(0);
    }
    publish(400, 100);
    await waitFor(() => forwarder.stats.forwarded.flows >= 500, 90_000);
    await forwarder.stop();
    log.close();
    expect(forwarder.stats.lost).toBe(0);
    expect(errors.length).toBeGreaterThan(0);

    const sent = localFlows(dir).map((r) => r.flow.uuid);
    expect(sent).toHaveLength(500);
    const got = (await consumeN(prefix, 'flows', 500)).map((v) => JSON.parse(v).flow.uuid);
    expect(new Set(got)).toEqual(new Set(sent));
  });
});

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
