// `sluice demo`: the main job on a closed world of real namespaces. It builds the test bed (three
// labelled pods, a world with an authoritative resolver and HTTP/TLS-port servers at
// documentation addresses), starts the agent with the embedded log, applies the example policy,
// generates traffic, shows flows live, prints a summary and removes everything.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess, PeerClient, PeerServer, Resolver, Testbed, sweep, inNetns, RESOLVER4 } from '../testbed/index.js';
import { openTopicReader } from '../log/eventLog.js';
import { replayUntil } from '../log/replay/replay.js';
import { demoPolicy, demoZone } from './scenario.js';
import { paint, paintVerdict } from './paint.js';
import { compactFlow } from '../log/query/compactFlow.js';
import type { HubbleFlowRecord } from '../log/hubble/types.js';
import { kafkaLag, startKafkaForwarding, type KafkaForwarding } from '../agent/kafkaForwarding.js';
import { defaultKafkaCompression } from '../log/kafka/compression.js';
import type { AgentConfig } from '../agent/config.js';

export interface DemoOptions {
  durationSec?: number;
  logDir: string;
  kafka?: string;
  color: boolean;
  out: (line: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  interrupted: Promise<void>;
}


export const DEMO_PREFIX = 'sldemo';

export async function runDemo(o: DemoOptions): Promise<number> {
  const step = (what: string) => o.out(paint(o.color, 'cyan', `==> ${what}`));
  const left = sweep(DEMO_PREFIX);
  if (left > 0) step(`removed ${left} namespaces left by an earlier demo`);
  const work = mkdtempSync(join(tmpdir(), 'sluice-demo-'));
  const policyDir = join(work, 'policies');
  mkdirSync(policyDir);
  mkdirSync(o.logDir, { recursive: true });
  const startedMs = Date.now();
  let bed: Testbed | undefined;
  let resolver: Resolver | undefined;
  let servers: PeerServer | undefined;
  let agent: AgentProcess | undefined;
  const clients = new Map<string, PeerClient>();
  const abort = new AbortController();
  let following: Promise<unknown> = Promise.resolve();
  let from = 0;
  let kafka: KafkaForwarding | undefined;
  // the agent's log as the forwarder from here sees it (defaults as the agent's config has them)
  const kafkaLog: AgentConfig['log'] | undefined = o.kafka
    ? { dir: o.logDir, fsync: 'interval', kafka: { brokers: o.kafka.split(','), topicPrefix: 'sluice.', partitions: 3, compression: defaultKafkaCompression() } }
    : undefined;
  try {
    step('building the namespace world: node, world (resolver 192.0.2.53, servers at documentation addresses), pods frontend, backend, batch');
    bed = Testbed.create({
      prefix: `${DEMO_PREFIX}${randomBytes(2).toString('hex')}`,
      pods: [
        { name: 'frontend', labels: { app: 'frontend', tier: 'web' } },
        { name: 'backend', labels: { app: 'backend', tier: 'api' } },
        { name: 'batch', labels: { app: 'batch' } },
      ],
    });
    resolver = await Resolver.start(bed.world, [{ origin: 'test.', records: demoZone }]);
    servers = await PeerServer.start(bed.world, ['tcp:[::]:80', 'tcp:[::]:443']);

    step('applying the example policy (toFQDNs with matchName and matchPattern, DNS rules, a denied domain)');
    writeFileSync(join(policyDir, 'demo.yaml'), demoPolicy);
    for (const line of demoPolicy.split('\n').filter((l) => /match(Name|Pattern)|toCIDR|port:/.test(l))) o.out(paint(o.color, 'dim', `    ${line.trim()}`));

    step(`starting the agent (embedded log in ${o.logDir}${o.kafka ? `, Kafka ${o.kafka}` : ''})`);
    agent = await AgentProcess.start(bed, {
      policyDir,
      logDir: o.logDir,
      pinRoot: `/sys/fs/bpf/sluice-demo-${bed.prefix}`,
      ...(o.kafka ? { kafka: o.kafka } : {}),
      onLine: (line) => o.out(paint(o.color, 'dim', `    ${line.replace(/^\S+ /, '')}`)),
    });

    // the agent runs inside the node namespace, which has no route to the brokers: forward from here
    if (kafkaLog) kafka = await startKafkaForwarding(kafkaLog, (line) => o.out(paint(o.color, 'dim', `    ${line}`)));

    // live flows: follow the flows topic from where it ends now
    const flows = openTopicReader(o.logDir, 'flows');
    from = flows.endOffset();
    following = flows.follow({ fromOffset: from, signal: abort.signal, pollMs: 100 }, (r) => {
      o.out(paintVerdict(o.color, compactFlow(JSON.parse(r.value.toString()) as HubbleFlowRecord)));
    }).catch(() => undefined);

    step(`generating traffic${o.durationSec === undefined ? ' (Ctrl-C to stop)' : ` for ${o.durationSec} s (Ctrl-C stops sooner)`}`);
    for (const p of bed.pods) clients.set(p.name, await PeerClient.start(p.netns));
    const podNetns = (pod: string) => bed!.pod(pod).netns;
    const dig = (pod: string, name: string) => {
      try {
        inNetns(podNetns(pod), 'dig', ['+time=1', '+tries=1', `@${RESOLVER4}`, name, '+short']);
      } catch {
        // a refused lookup is part of the show: its DNS flow is printed
      }
    };
    const fe = clients.get('frontend')!;
    const be = clients.get('backend')!;
    const batch = clients.get('batch')!;
    const round = async () => {
      await fe.lookupConnect(RESOLVER4, 'api.partner.test', 4, 443);
      await fe.lookupConnect(RESOLVER4, 'eu.updates.test', 4, 80);
      await fe.lookupConnect(RESOLVER4, 'cdn.partner.test', 4, 443);
      dig('frontend', 'tracker.evil.test');
      await fe.tcp('203.0.113.66', 443, { timeoutMs: 200 }); // never looked up: dropped
      await be.lookupConnect(RESOLVER4, 'db.partner.test', 4, 443);
      await be.tcp('198.51.100.10', 80); // toCIDR
      await be.tcp('198.51.100.10', 22, { timeoutMs: 200 }); // a port the rule does not list: dropped
      await batch.lookupConnect(RESOLVER4, 'api.partner.test', 4, 80); // no policy selects batch
    };
    const deadline = o.durationSec === undefined ? Infinity : startedMs + o.durationSec * 1000;
    let stop = false;
    void o.interrupted.then(() => { stop = true; });
    while (!stop && Date.now() < deadline) {
      await round();
      await Promise.race([new Promise((r) => setTimeout(r, 1500)), o.interrupted]);
    }
    await new Promise((r) => setTimeout(r, 300)); // the last flows reach the log and the screen
  } finally {
    abort.abort();
    await following;
    for (const c of clients.values()) c.stop();
    if (agent) await agent.stop();
    if (kafka) {
      // let the forwarder ship what the last seconds wrote (bounded: a dead broker keeps it in the log)
      for (let i = 0; i < 100 && kafkaLag(kafkaLog!) > 0; i++) await new Promise((r) => setTimeout(r, 100));
      const left = kafkaLag(kafkaLog!);
      if (left > 0) o.out(`demo: ${left} events not yet in Kafka; they stay in ${o.logDir} and go out with the next forwarder`);
      await kafka.stop();
    }
    servers?.stop();
    resolver?.stop();
    bed?.destroy();
    rmSync(work, { recursive: true, force: true });
  }
  summary(o, from, startedMs);
  return 0;
}

function summary(o: DemoOptions, fromOffset: number, startedMs: number): void {
  const counts = { FORWARDED: 0, DROPPED: 0, REDIRECTED: 0, dnsAllowed: 0, dnsDenied: 0 };
  openTopicReader(o.logDir, 'flows').scan({ fromOffset }, (r) => {
    const f = (JSON.parse(r.value.toString()) as HubbleFlowRecord).flow;
    if (f.l7?.dns) {
      if (f.l7.type === 'REQUEST' && f.verdict === 'DROPPED') counts.dnsDenied++;
      else if (f.l7.type === 'RESPONSE') counts.dnsAllowed++;
      return;
    }
    if (f.verdict === 'FORWARDED') counts.FORWARDED++;
    if (f.verdict === 'DROPPED') counts.DROPPED++;
    if (f.verdict === 'REDIRECTED') counts.REDIRECTED++;
  });
  const { state } = replayUntil(o.logDir);
  const c = (s: string, color: 'green' | 'red' | 'cyan') => paint(o.color, color, s);
  o.out('');
  o.out(c('==> summary', 'cyan'));
  o.out(`    flows: ${c(`${counts.FORWARDED} forwarded`, 'green')}, ${c(`${counts.DROPPED} dropped`, 'red')}, ${counts.REDIRECTED} DNS queries steered to the proxy`);
  o.out(`    DNS: ${counts.dnsAllowed} answers released, ${c(`${counts.dnsDenied} queries refused`, 'red')}`);
  o.out('    allowlist entries learned from DNS (endpoint, name, address, expires):');
  const since = new Date(startedMs).toISOString();
  for (const e of [...state.allowlist.values()].filter((x) => x.allowedAt >= since)) {
    const ep = state.endpoints.get(e.endpointId);
    o.out(`      ${ep ? `${ep.namespace}/${ep.name}` : e.endpointId}  ${e.name}  ${e.ip}  ${e.expiresAt}`);
  }
  o.out('');
  o.out(c('==> query the log', 'cyan'));
  const dirFlag = o.logDir === '/var/lib/sluice/log' ? '' : ` --log-dir ${o.logDir}`;
  o.out(`    sudo npx sluice observe${dirFlag} --since ${since} -o compact      # the flows again`);
  o.out(`    sudo npx sluice observe${dirFlag} --verdict DROPPED -o jsonpb       # Hubble's JSON`);
  o.out(`    sudo npx sluice events${dirFlag} --topic policy-changes            # policy and allowlist changes`);
  o.out(`    sudo npx sluice replay${dirFlag} --until ${new Date().toISOString()}   # the state at a time`);
  o.out(`    sudo npx sluice explain${dirFlag} FLOW_ID                          # why a flow was allowed`);
}
