// The agent's state as the local API's views (src/api/types.ts). Reads only; the two writes
// (add and remove an endpoint) go through the agent, which publishes their events.
import { readFileSync } from 'node:fs';
import { SluiceError } from '../errors.js';
import { policyKeyString } from '../policy/index.js';
import type { AgentApiProvider, EndpointView, MapFillView, StatusView } from '../api/index.js';
import { packageRoot } from '../paths.js';
import type { Agent, AgentEndpoint } from './agent.js';
import { hostInterfaceOf } from './hostInterface.js';

const version = (JSON.parse(readFileSync(`${packageRoot}/package.json`, 'utf8')) as { version: string }).version;

export function agentApiProvider(agent: Agent, startedAt: Date, lagEvents: () => number): AgentApiProvider {
  const endpointView = (ep: AgentEndpoint): EndpointView => ({
    id: ep.id, name: ep.name, namespace: ep.namespace, labels: ep.labels, ifname: ep.ifname,
    ...(ep.ipv4 ? { ipv4: ep.ipv4 } : {}), ...(ep.ipv6 ? { ipv6: ep.ipv6 } : {}),
    policies: (agent.endpointPolicy(ep.id)?.selectedBy ?? []).map((k) => policyKeyString(k)),
  });
  const dnsCounters = () => {
    const sum: Record<string, number> = {};
    for (const p of agent.dnsProxies()) for (const [k, v] of Object.entries(p.counters)) sum[k] = (sum[k] ?? 0) + v;
    return sum;
  };
  return {
    status(): StatusView {
      const repo = agent.repository();
      const kafka = agent.config.log.kafka;
      return {
        node: agent.config.node,
        version,
        startedAt: startedAt.toISOString(),
        endpoints: agent.endpoints.size,
        policies: { count: repo.policies.length, revision: repo.revision },
        fqdnCacheEntries: agent.state.allowlist.size,
        log: kafka
          ? { backend: 'kafka', localPath: agent.config.log.dir, brokers: kafka.brokers, lagEvents: lagEvents() }
          : { backend: 'local', localPath: agent.config.log.dir, lagEvents: 0 },
        components: [
          { name: 'datapath', state: 'ok', message: agent.datapath.pinRoot },
          { name: 'dns-proxy', state: 'ok', message: agent.dnsProxies().map((p) => `${p.address}:${p.port}`).join(' ') },
          { name: 'log', state: 'ok', message: agent.config.log.dir },
          ...(kafka ? [{ name: 'kafka', state: 'ok' as const, message: kafka.brokers.join(',') }] : []),
        ],
      };
    },
    endpoints: () => [...agent.endpoints.values()].map(endpointView),
    policies: () => agent.repository().policies.map((s) => ({
      kind: s.policy.kind,
      namespace: s.policy.namespace,
      name: s.policy.name,
      revision: s.revision,
      source: s.policy.source.file,
      selects: [...agent.endpoints.values()]
        .filter((ep) => (agent.endpointPolicy(ep.id)?.selectedBy ?? []).some((k) => policyKeyString(k) === policyKeyString(s.policy)))
        .map((ep) => `${ep.namespace}/${ep.name}`),
    })),
    fqdnCache: () => [...agent.state.allowlist.values()].map((e) => {
      const ep = agent.endpoints.get(e.endpointId);
      return { endpoint: ep ? `${ep.namespace}/${ep.name}` : String(e.endpointId), name: e.name, ip: e.ip, expiresAt: e.expiresAt, sourceEventId: e.dnsEventId };
    }),
    mapFill(): MapFillView[] {
      const dp = agent.datapath;
      return [
        { name: 'endpoints', entries: agent.endpoints.size, capacity: dp.mapCapacity('endpoints') },
        { name: 'allowlist', entries: agent.allowlistSize(), capacity: dp.mapCapacity('allowlist') },
        { name: 'conntrack', entries: dp.maps.conntrack.count(), capacity: dp.mapCapacity('conntrack') },
        { name: 'dns_nat', entries: dp.maps.dnsNat.count(), capacity: dp.mapCapacity('dns_nat') },
      ];
    },
    counters: () => ({
      ringLost: Number(agent.datapath.lostEvents()),
      undecodable: agent.datapath.flowStats.undecodable,
      logWriteLost: agent.logWriteLost,
      logLagEvents: lagEvents(),
      dnsProxy: dnsCounters(),
    }),
    addEndpoint(spec) {
      const ifname = spec.ifname ?? hostInterfaceOf(spec.netns!);
      return endpointView(agent.addEndpoint({
        name: spec.name, namespace: spec.namespace, labels: spec.labels, ifname,
        ...(spec.ipv4 ? { ipv4: spec.ipv4 } : {}), ...(spec.ipv6 ? { ipv6: spec.ipv6 } : {}),
      }));
    },
    removeEndpoint(name) {
      const [namespace, short] = name.includes('/') ? name.split('/', 2) as [string, string] : ['default', name];
      if (![...agent.endpoints.values()].some((e) => e.name === short && e.namespace === namespace)) {
        throw new SluiceError('ERR_ENDPOINT_NOT_FOUND', `no endpoint ${namespace}/${short}`);
      }
      agent.removeEndpoint(namespace, short);
    },
  };
}

