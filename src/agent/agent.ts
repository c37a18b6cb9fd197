// The composition root: the one place that builds the graph. Wiring only; every decision lives in
// the pure folders (policy, fqdn, pipeline) and every side effect in the edges (datapath, dns, log).
//
//   policy dir --syncPolicies--> repository --resolve--> endpoint modes + pipeline.setPolicy
//   datapath.flows() --bufferTime--> eventLog.publishFlows
//   DNS proxy --onAnswer--> pipeline --AllowlistWriter--> datapath maps --> answer released
//   DNS proxy / pipeline / policy events --> eventLog (policy-changes also folded into live state)
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import { bufferTime, filter, type Subscription } from 'rxjs';
import { SluiceError, isSluiceError } from '../errors.js';
import { Datapath, bootNowNs } from '../datapath/index.js';
import { decodeAllowKey } from '../datapath/index.js';
import type { DnsProxy } from '../dns/index.js';
import { EventLog } from '../log/eventLog.js';
import type { Envelope, EventDraft } from '../log/envelope.js';
import { measureBootTimeOffsetNs, type FlowContext } from '../log/hubble/flowContext.js';
import { applyEvent, type AgentState } from '../log/replay/agentState.js';
import { replayUntil } from '../log/replay/replay.js';
import {
  describeFqdnSelector, emptyRepository, foldPolicyEvent, fqdnSelectorMatches, resolveEndpointPolicies,
  type EndpointPolicy, type RepositoryState,
} from '../policy/index.js';
import { createFqdnPipeline, fromEndpointPolicy, type EndpointAllowlistPolicy, type FqdnPipeline, type PipelineEvent } from '../pipeline/index.js';
import { normalizeDnsName } from '../fqdn/index.js';
import { createAgentMetrics, startApiServer, startMetricsServer, type AgentMetrics, type ApiServer, type MetricsServer } from '../api/index.js';
import { verdictNames, dropReasonNames, Verdict, type FlowEvent } from '../datapath/index.js';
import { agentApiProvider } from './apiProvider.js';
import { kafkaLag, startKafkaForwarding, type KafkaForwarding } from './kafkaForwarding.js';
import type { AgentConfig, EndpointConfig } from './config.js';
import { ConntrackIndex } from './conntrackIndex.js';
import { dnsEventDraft } from './dnsEvents.js';
import { DnsProxyThread } from './dnsProxyThread.js';
import { readPolicyDir, syncPolicies } from './policySource.js';
import { ensureLocalAddress } from './localAddress.js';
import type { ProxySockets } from './socketHolder.js';
import { GC_KINDS, GcPauses, type GcTotals } from './gcPauses.js';

export interface AgentEndpoint extends EndpointConfig {
  id: number;
}

export type AgentLogFn = (line: string) => void;

const FIRST_ENDPOINT_ID = 1000;
const FLOW_BATCH_MS = 50;

/** Events held for the turn's batch write (publishSoon) past which they are written at once. */
const MAX_PENDING_EVENTS = 256;

export class Agent {
  readonly state: AgentState;
  readonly endpoints = new Map<number, AgentEndpoint>();
  private repo: RepositoryState = emptyRepository();
  private policies = new Map<number, EndpointPolicy>();
  /** What the pipeline was given per enforced endpoint (its toFQDNs selectors). */
  private fqdnPolicies = new Map<number, EndpointAllowlistPolicy>();
  /** (endpoint|ip) -> names, for the flows' destination_names. */
  private readonly namesByIp = new Map<string, Set<string>>();
  /** What the pipeline has written per endpoint: prefixes, for reconciling the pinned map. */
  private readonly written = new Map<number, Set<string>>();
  private readonly subs: Subscription[] = [];
  private proxies: readonly DnsProxy[] = [];
  private proxyThread: DnsProxyThread | undefined;
  /** endpointInfo()'s answers, per endpoint object (an endpoint changed is a new object). */
  private readonly endpointInfos = new WeakMap<AgentEndpoint, Readonly<{ id: number; name: string; namespace: string; labels: Record<string, string>; ipv4: string | null; ipv6: string | null }>>();
  private readonly gc = new GcPauses();
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private api: ApiServer | undefined;
  private metricsServer: MetricsServer | undefined;
  private kafka: KafkaForwarding | undefined;
  /** Proxy sockets held by the supervisor; the proxy binds its own when absent. */
  private sockets: ProxySockets | undefined;
  private pending: EventDraft[] = [];
  /** Events the local log could not take (disk full): counted and reported, the agent goes on. */
  logWriteLost = 0;
  private lastLogWriteReport = 0;
  private pendingFlush: NodeJS.Immediate | undefined;
  readonly metrics: AgentMetrics = createAgentMetrics();
  readonly startedAt = new Date();
  readonly pipeline: FqdnPipeline;
  readonly conntrack: ConntrackIndex;

  private constructor(readonly config: AgentConfig, readonly datapath: Datapath, readonly log: EventLog, state: AgentState, readonly flowContext: FlowContext, private readonly say: AgentLogFn) {
    this.state = state;
    this.conntrack = new ConntrackIndex((now, idle) => datapath.conntrackInUse(now, idle), bootNowNs);
    this.pipeline = createFqdnPipeline({
      writer: { apply: async (endpointId, puts, deletes) => this.writeAllowlist(endpointId, puts, deletes) },
      isInUse: (endpointId, ip) => this.conntrack.isInUse(endpointId, ip),
      cache: { minTtlSec: config.fqdn.minTtlSec, maxAddressesPerName: config.fqdn.maxAddressesPerName, maxNamesPerEndpoint: config.fqdn.maxNamesPerEndpoint },
    });
  }

  static async start(config: AgentConfig, say: AgentLogFn = () => undefined, sockets?: ProxySockets): Promise<Agent> {
    mkdirSync(config.log.dir, { recursive: true });
    // the state as of the last run: policies, endpoints and allowed addresses with their expiry
    const { state } = replayUntil(config.log.dir);
    const holder: { agent?: Agent } = {};
    const bootOffset = measureBootTimeOffsetNs();
    const flowContext: FlowContext = {
      nodeName: config.node,
      endpointById: (id) => holder.agent?.endpointInfo(id),
      endpointByIp: (ip) => holder.agent?.endpointByIp(ip),
      namesForIp: (endpointId, ip) => [...(holder.agent?.namesByIp.get(`${endpointId}|${ip}`) ?? [])],
      bootTimeOffsetNs: bootOffset,
    };
    const log = new EventLog({
      dir: config.log.dir,
      node: config.node,
      flowContext,
      topicOptions: { fsync: config.log.fsync === 'interval' ? { mode: 'interval', intervalMs: 1000 } : { mode: config.log.fsync } },
    });
    for (const r of log.recoveries) say(`log: recovered ${JSON.stringify(r)}`);
    let datapath: Datapath;
    try {
      datapath = Datapath.open({ pinRoot: config.datapath.pinRoot, ringSizeBytes: config.datapath.ringSizeBytes });
    } catch (err) {
      log.close();
      throw err;
    }
    const agent = new Agent(config, datapath, log, state, flowContext, say);
    agent.sockets = sockets;
    holder.agent = agent;
    try {
      await agent.run();
    } catch (err) {
      await agent.stop();
      throw err;
    }
    return agent;
  }

  private async run(): Promise<void> {
    // the repository as the log last knew it, so unchanged files make no new revision
    for (const p of [...this.state.policies.values()].sort((a, b) => a.revision - b.revision)) {
      this.repo = foldPolicyEvent(this.repo, { type: 'policy.applied', data: { kind: p.kind as never, namespace: p.namespace, name: p.name, revision: p.revision, document: p.document as Record<string, unknown> } });
    }
    for (const e of this.state.allowlist.values()) this.indexName(e.endpointId, e.ip, e.name, true);

    this.subs.push(this.pipeline.events$.subscribe((e) => this.onPipelineEvent(e)));
    this.subs.push(this.datapath.flows().pipe(bufferTime(FLOW_BATCH_MS), filter((b) => b.length > 0)).subscribe((batch) => this.onFlows(batch)));

    await this.startProxies();
    // policies first, so each endpoint is attached in its final mode (never briefly open)
    this.reloadPolicies();
    for (const ep of this.config.endpoints) this.addEndpoint(ep);
    // the proxy thread holds queries until it knows the endpoints (none configured: still now)
    this.proxyThread?.setPolicies(this.policies);
    // addresses allowed before a restart stay allowed until their own expiry; then whatever the
    // pinned map holds beyond the state is removed
    const now = Date.now();
    const known = [...this.state.allowlist.values()].filter((e) => this.endpoints.has(e.endpointId));
    // what expired while no agent ran is announced now, so the log's state matches the map's
    const lapsed = known.filter((e) => Date.parse(e.expiresAt) <= now);
    if (lapsed.length > 0) {
      this.publish(lapsed.map((e) => ({ type: 'fqdn.expired', causeId: e.dnsEventId, data: { endpointId: e.endpointId, name: e.name, ip: e.ip, reason: 'ttl' } }) as EventDraft));
      for (const e of lapsed) this.indexName(e.endpointId, e.ip, e.name, false);
    }
    await this.pipeline.restore(known
      .filter((e) => Date.parse(e.expiresAt) > now)
      .map((e) => ({ endpointId: e.endpointId, name: e.name, ip: e.ip, expiresAt: Date.parse(e.expiresAt), dnsEventId: e.dnsEventId })), now);
    await this.pipeline.flush();
    this.reconcileAllowlist();
    this.watchPolicies();
    await this.startApi();
    // inside a node namespace the brokers are out of reach: the outer process forwards instead
    if (!this.config.netns) this.kafka = await startKafkaForwarding(this.config.log, this.say);
    this.say(`agent ${this.config.node}: ${this.endpoints.size} endpoints, ${this.repo.policies.length} policies, DNS proxy on ${this.proxies.map((p) => `${p.address}:${p.port}`).join(' ')}`);
  }

  private async startProxies(): Promise<void> {
    const { proxy } = this.config;
    ensureLocalAddress(proxy.address4, 32);
    ensureLocalAddress(proxy.address6, 128);
    const s = this.sockets;
    const nat = this.datapath.maps.dnsNat;
    this.proxyThread = await DnsProxyThread.start({
      // the same port on IPv6, so one dns_config entry serves both families
      listen: [
        { address: proxy.address4, port: proxy.port, ...(s ? { fds: { udp: s.udp4, tcp: s.tcp4 } } : {}) },
        { address: proxy.address6, port: proxy.port, ...(s ? { fds: { udp: s.udp6, tcp: s.tcp6 } } : {}) },
      ],
      dnsNat: { fd: nat.fd, keySize: nat.keySize, valueSize: nat.valueSize },
      denyRcode: proxy.denyRcode,
      answerDeadlineMs: proxy.answerDeadlineMs,
      upstreamTimeoutMs: proxy.upstreamTimeoutMs,
      maxInFlight: proxy.maxInFlight,
      upstreamSockets: proxy.upstreamSockets,
    }, {
      onEvents: (events) => {
        for (const e of events) {
          // one count per query handled: the response, or the request that was answered without forwarding
          if (e.type === 'dns.response' || e.data.rcode !== 'NOERROR') {
            this.metrics.dnsRequests.inc({ rcode: e.data.rcode, verdict: e.data.verdict });
            this.metrics.proxyLatencySeconds.observe(e.data.proxyLatencyUs / 1e6);
          }
          this.publishSoon(dnsEventDraft(e, this.endpoints));
        }
      },
      onAnswer: (exchange) => {
        this.metrics.dnsAnswers.inc({ path: 'held' });
        const t0 = process.hrtime.bigint();
        const observe = () => this.metrics.answerToMapSeconds.observe(Number(process.hrtime.bigint() - t0) / 1e9);
        const pending = this.pipeline.onAnswer(exchange);
        if (pending === undefined) return void observe();
        return pending.then(observe);
      },
      onReleased: (exchange) => {
        this.metrics.dnsAnswers.inc({ path: 'released' });
        // The cache learns the new expiry; a failed write is the pipeline's
        // allowlist.write-failed event, nobody waits for this one.
        this.pipeline.onReleased(exchange);
      },
      programmedUntil: (exchange) => {
        const { ttlSec } = exchange.answer;
        const selectors = this.fqdnPolicies.get(exchange.endpointId)?.fqdnSelectors;
        if (ttlSec === undefined || selectors === undefined) return undefined;
        const name = normalizeDnsName(exchange.question.qname);
        // the cache keeps each address until at least the answer's TTL from its time
        return selectors.some((s) => s.matches(name)) ? exchange.answeredAt + ttlSec * 1000 : undefined;
      },
      onSocketError: (message) => this.say(`dns proxy: ${message}`),
      onFailure: (err) => {
        // nothing answers DNS any more: end the process, so the supervisor starts a whole agent
        this.say(`dns proxy: ${err.message}; stopping`);
        setImmediate(() => { throw err; });
      },
    });
    const v4 = this.proxyThread.proxies[0]!;
    this.proxies = this.proxyThread.proxies;
    this.datapath.setDnsProxy({ proxyAddr4: proxy.address4, proxyAddr6: proxy.address6, udpPort: v4.port, tcpPort: v4.port });
  }

  /** Attaches an endpoint; it is enforced as soon as a policy selects it. */
  addEndpoint(cfg: EndpointConfig): AgentEndpoint {
    for (const ep of this.endpoints.values()) {
      if (ep.name === cfg.name && ep.namespace === cfg.namespace) throw new SluiceError('ERR_ENDPOINT_EXISTS', `endpoint ${cfg.namespace}/${cfg.name} exists`);
      if (ep.ifname === cfg.ifname) throw new SluiceError('ERR_ENDPOINT_EXISTS', `interface ${cfg.ifname} already belongs to endpoint ${ep.namespace}/${ep.name}`);
    }
    const known = [...this.state.endpoints.values()].find((e) => e.name === cfg.name && e.namespace === cfg.namespace);
    const used = new Set([...this.state.endpoints.keys(), ...this.endpoints.keys()]);
    let id = known?.id ?? FIRST_ENDPOINT_ID;
    if (!known) while (used.has(id)) id++;
    const ep: AgentEndpoint = { ...cfg, id };
    this.endpoints.set(id, ep);
    const policy = this.resolveAll().get(id)!;
    try {
      this.datapath.attach({ ifname: cfg.ifname, endpointId: id, ...modeOf(policy) });
    } catch (err) {
      this.endpoints.delete(id);
      throw err;
    }
    const same = known && known.ifname === cfg.ifname && (known.ipv4 ?? undefined) === cfg.ipv4 && (known.ipv6 ?? undefined) === cfg.ipv6
      && JSON.stringify(known.labels) === JSON.stringify(cfg.labels);
    if (!same) {
      this.publish([{ type: 'endpoint.added', data: { id, name: cfg.name, namespace: cfg.namespace, labels: cfg.labels, ipv4: cfg.ipv4 ?? null, ipv6: cfg.ipv6 ?? null, ifname: cfg.ifname } }]);
    }
    this.resolve();
    return ep;
  }

  removeEndpoint(namespace: string, name: string): void {
    const ep = [...this.endpoints.values()].find((e) => e.name === name && e.namespace === namespace);
    if (!ep) throw new SluiceError('ERR_ENDPOINT_NOT_FOUND', `no endpoint ${namespace}/${name}`);
    this.datapath.detach({ ifname: ep.ifname });
    this.endpoints.delete(ep.id);
    this.policies.delete(ep.id);
    this.fqdnPolicies.delete(ep.id);
    this.pipeline.setPolicy(ep.id, undefined);
    this.publish([{ type: 'endpoint.removed', data: { id: ep.id } }]);
    this.resolve();
  }

  /** Re-reads the policy directory; an invalid set changes nothing and is reported. */
  reloadPolicies(): void {
    if (!this.config.policyDir) return;
    // `sluice policy apply` writes here too; on a fresh host nothing has created it yet
    mkdirSync(this.config.policyDir, { recursive: true });
    const files = readPolicyDir(this.config.policyDir);
    const { state, events } = syncPolicies(this.repo, files);
    this.repo = state;
    // nothing changed (an editor's temporary file, any other file in the directory): the
    // endpoints' policies are what they were, and recomputing every allowlist would cost
    // O(cached addresses) for nothing
    if (events.length === 0) return;
    this.publish(events.map((e) => ({ type: e.type, data: { ...e.data, namespace: e.data.namespace ?? '' } }) as EventDraft));
    this.say(`policies: ${events.map((e) => `${e.type === 'policy.applied' ? 'applied' : 'deleted'} ${e.data.namespace ? `${e.data.namespace}/` : ''}${e.data.name}`).join(', ')} (revision ${state.revision})`);
    this.resolve();
  }

  private resolveAll(): Map<number, EndpointPolicy> {
    const eps = [...this.endpoints.values()];
    const resolved = resolveEndpointPolicies(this.repo, eps.map((e) => ({ name: e.name, namespace: e.namespace, labels: e.labels, ...(e.ipv4 ? { ipv4: e.ipv4 } : {}), ...(e.ipv6 ? { ipv6: e.ipv6 } : {}) })), { nodeAddresses: [] });
    return new Map(resolved.map((policy, i) => [eps[i]!.id, policy]));
  }

  /** Recomputes every endpoint's policy and pushes modes and allowlist inputs to the datapath. */
  private resolve(): void {
    for (const [id, policy] of this.resolveAll()) {
      const ep = this.endpoints.get(id)!;
      this.policies.set(id, policy);
      const fqdnPolicy = policy.enforced ? fromEndpointPolicy(policy, { matches: fqdnSelectorMatches, describe: describeFqdnSelector }) : undefined;
      if (fqdnPolicy === undefined) this.fqdnPolicies.delete(id);
      else this.fqdnPolicies.set(id, fqdnPolicy);
      this.pipeline.setPolicy(id, fqdnPolicy);
      this.datapath.setEndpointMode({ ifname: ep.ifname }, modeOf(policy));
    }
    this.proxyThread?.setPolicies(this.policies);
  }

  private watchPolicies(): void {
    if (!this.config.policyDir) return;
    this.watcher = watch(this.config.policyDir, () => {
      // editors write in several steps: settle first, then apply the whole set at once
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => {
        try {
          this.reloadPolicies();
        } catch (err) {
          this.say(`policies: not applied, nothing changed: ${isSluiceError(err) ? err.message : String(err)}`);
          if (isSluiceError(err) && Array.isArray(err.details)) for (const d of err.details) this.say(`  ${typeof d === 'string' ? d : JSON.stringify(d)}`);
        }
      }, 200);
    });
  }

  private async writeAllowlist(endpointId: number, puts: readonly { prefix: string; rules: { portLo: number; portHi: number; proto: number; deny: boolean }[] }[], deletes: readonly string[]): Promise<void> {
    let set = this.written.get(endpointId);
    // entries taken away or rewritten (their rules may narrow): the proxy thread must stop
    // vouching for them before the map changes
    const removing = [...deletes, ...puts.filter((p) => set?.has(p.prefix)).map((p) => p.prefix)];
    if (removing.length > 0) this.proxyThread?.forget(endpointId, removing);
    this.datapath.applyAllowlist(
      puts.map((p) => ({ endpointId, prefix: p.prefix, rules: p.rules })),
      deletes.map((prefix) => ({ endpointId, prefix })),
    );
    if (!set) this.written.set(endpointId, (set = new Set()));
    for (const p of puts) set.add(p.prefix);
    for (const d of deletes) set.delete(d);
  }

  /** Removes map entries the state does not hold (left by an earlier run or a removed policy). */
  private reconcileAllowlist(): void {
    const stale: { endpointId: number; prefix: string }[] = [];
    let kept = 0;
    for (const key of this.datapath.maps.allowlist.keys()) {
      const { endpointId, prefix } = decodeAllowKey(key);
      if (this.written.get(endpointId)?.has(prefix)) kept++;
      else stale.push({ endpointId, prefix });
    }
    if (stale.length > 0) this.datapath.applyAllowlist([], stale);
    this.publish([{ type: 'map.resync', data: { map: 'allowlist', added: 0, removed: stale.length, kept, reason: 'startup' } }]);
  }

  private async startApi(): Promise<void> {
    const m = this.metrics;
    this.gc.start();
    m.registry.onCollect(() => {
      m.ringLost.sync(Number(this.datapath.lostEvents()));
      m.undecodable.sync(this.datapath.flowStats.undecodable);
      m.mapEntries.set({ map: 'allowlist' }, this.allowlistSize());
      m.mapCapacity.set({ map: 'allowlist' }, this.datapath.mapCapacity('allowlist'));
      m.mapEntries.set({ map: 'endpoints' }, this.endpoints.size);
      m.logLagEvents.set(kafkaLag(this.config.log));
      m.mapCapacity.set({ map: 'endpoints' }, this.datapath.mapCapacity('endpoints'));
      const gcOf = (thread: string, totals: GcTotals) => totals.forEach(([count, seconds], i) => {
        m.gcPauses.sync({ thread, kind: GC_KINDS[i]! }, count);
        m.gcPauseSeconds.sync({ thread, kind: GC_KINDS[i]! }, seconds);
      });
      gcOf('main', this.gc.totals);
      if (this.proxyThread !== undefined) gcOf('dns-proxy', this.proxyThread.gcTotals);
    });
    this.api = await startApiServer({
      provider: agentApiProvider(this, this.startedAt, () => kafkaLag(this.config.log)),
      socketPath: this.config.api.socket,
      onError: (err) => this.say(`api: ${String(err)}`),
    });
    if (this.config.metrics.address) {
      this.metricsServer = await startMetricsServer({ registry: m.registry, address: this.config.metrics.address, collectErrors: m.collectErrors, onError: (err) => this.say(`metrics: ${String(err)}`) });
    }
  }

  private onFlows(batch: FlowEvent[]): void {
    for (const e of batch) {
      this.metrics.flows.inc({ verdict: verdictNames[e.verdict] ?? String(e.verdict), drop_reason: e.verdict === Verdict.DROPPED ? (dropReasonNames[e.dropReason] ?? String(e.dropReason)) : '' });
    }
    if (!this.guardLogWrite(batch.length, () => this.log.publishFlows(batch))) return;
    this.metrics.eventsPublished.inc({ topic: 'flows' }, batch.length);
  }

  /** Allowlist entries the agent has written (the map may briefly hold more during a write). */
  allowlistSize(): number {
    let n = 0;
    for (const set of this.written.values()) n += set.size;
    return n;
  }

  private onPipelineEvent(e: PipelineEvent): void {
    if (e.type === 'allowlist.write-failed') {
      this.say(`allowlist: write for endpoint ${e.data.endpointId} failed: ${e.data.message} [${e.data.code}]`);
      return;
    }
    if (e.type === 'fqdn.allowed') this.indexName(e.data.endpointId, e.data.ip, e.data.name, true);
    if (e.type === 'fqdn.expired') this.indexName(e.data.endpointId, e.data.ip, e.data.name, false);
    this.publishSoon({ type: e.type, data: e.data, causeId: e.causeId, timeMs: e.timeMs } as EventDraft);
  }

  private indexName(endpointId: number, ip: string, name: string, add: boolean): void {
    const key = `${endpointId}|${ip}`;
    const names = this.namesByIp.get(key) ?? new Set<string>();
    if (add) names.add(name.replace(/\.$/, ''));
    else names.delete(name.replace(/\.$/, ''));
    if (names.size > 0) this.namesByIp.set(key, names);
    else this.namesByIp.delete(key);
  }

  /**
   * DNS events and the FQDN events they cause are written once per event-loop turn, as one batch:
   * written one by one they cost more than the query itself under load. Other policy changes are
   * written at once; publish() writes what waits here first, so the log keeps the order.
   */
  private publishSoon(draft: EventDraft): void {
    this.pending.push(draft);
    // A turn that drains a backlog of the proxy thread's messages would otherwise hold all their
    // events until it ends: whatever is alive when a young-generation collection runs is copied,
    // and held twice it is promoted, to be freed only by a full collection.
    // (probe at 10k q/s: main-thread promotion per scavenge was 166-688 KB, 150-151 with the bound)
    if (this.pending.length >= MAX_PENDING_EVENTS) this.flushPending();
    else this.pendingFlush ??= setImmediate(() => this.flushPending());
  }

  private flushPending(): void {
    const batch = this.pending;
    this.pending = [];
    clearImmediate(this.pendingFlush);
    this.pendingFlush = undefined;
    if (batch.length > 0) this.publish(batch);
  }

  /** Publishes drafts and folds the policy-changes ones into the live state. */
  publish(drafts: EventDraft[]): Envelope[] {
    if (this.pending.length > 0) this.flushPending();
    let envelopes: Envelope[] = [];
    if (!this.guardLogWrite(drafts.length, () => { envelopes = this.log.publishBatch(drafts); })) return [];
    for (const e of envelopes) {
      if (e.type !== 'dns.request' && e.type !== 'dns.response') {
        applyEvent(this.state, e);
        this.metrics.eventsPublished.inc({ topic: 'policy-changes' });
      } else {
        this.metrics.eventsPublished.inc({ topic: 'dns' });
      }
    }
    return envelopes;
  }

  /**
   * Runs a log write; when the log cannot take it (disk full, I/O error) the events are counted as
   * lost and reported at most every 10 s. Enforcement and DNS go on: the datapath does not depend
   * on the log, and the log itself stays whole (a torn write is cut).
   */
  private guardLogWrite(count: number, write: () => void): boolean {
    try {
      write();
      return true;
    } catch (err) {
      if (!isSluiceError(err, 'ERR_LOG_WRITE')) throw err;
      this.logWriteLost += count;
      this.metrics.logWriteLost.inc(count);
      const now = Date.now();
      if (now - this.lastLogWriteReport >= 10_000) {
        this.lastLogWriteReport = now;
        this.say(`log: ${err.message} [${err.code}]; ${this.logWriteLost} events lost so far (free space under ${this.config.log.dir})`);
      }
      return false;
    }
  }

  /** The same frozen object for an endpoint each time: the flow and DNS lines ask for every event. */
  endpointInfo(id: number) {
    const ep = this.endpoints.get(id);
    if (ep === undefined) return undefined;
    let info = this.endpointInfos.get(ep);
    if (info === undefined) {
      info = Object.freeze({ id, name: ep.name, namespace: ep.namespace, labels: ep.labels, ipv4: ep.ipv4 ?? null, ipv6: ep.ipv6 ?? null });
      this.endpointInfos.set(ep, info);
    }
    return info;
  }

  endpointByIp(ip: string) {
    for (const ep of this.endpoints.values()) if (ep.ipv4 === ip || ep.ipv6 === ip) return this.endpointInfo(ep.id);
    return undefined;
  }

  endpointPolicy(id: number): EndpointPolicy | undefined {
    return this.policies.get(id);
  }

  repository(): RepositoryState {
    return this.repo;
  }

  dnsProxies(): readonly DnsProxy[] {
    return this.proxies;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watcher?.close();
    clearTimeout(this.reloadTimer);
    await this.api?.close();
    await this.metricsServer?.close();
    await this.kafka?.stop();
    await this.proxyThread?.close();
    this.gc.stop();
    this.pipeline.stop();
    for (const s of this.subs) s.unsubscribe();
    clearImmediate(this.pendingFlush);
    this.flushPending();
    this.datapath.close({ keepPinned: this.config.datapath.keepPinned });
    this.log.close();
  }
}


function modeOf(policy: EndpointPolicy): { enforce: boolean; dnsRedirect: boolean } {
  return { enforce: policy.enforced, dnsRedirect: policy.enforced && policy.dnsRules.length > 0 };
}


