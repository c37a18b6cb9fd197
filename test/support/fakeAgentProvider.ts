// An in-memory AgentApiProvider for API and CLI tests: the state the agent would report, and
// endpoint add/remove with the agent's error codes (exists 409, not found 404).
import type { AgentApiProvider, EndpointSpec, EndpointView } from '../../src/api/index.js';
import { SluiceError } from '../../src/errors.js';

export interface FakeAgentProvider extends AgentApiProvider {
  readonly endpointList: EndpointView[];
}

export function createFakeAgentProvider(now = Date.parse('2024-05-01T12:00:00Z')): FakeAgentProvider {
  const endpointList: EndpointView[] = [
    { id: 1, name: 'web', namespace: 'shop', labels: { app: 'web' }, netns: 'sluice-web', ipv4: '10.200.0.2', policies: ['shop/web-egress'] },
  ];
  return {
    endpointList,
    status: () => ({
      node: 'node-a',
      version: '0.1.0',
      startedAt: new Date(now - 90_000).toISOString(),
      endpoints: endpointList.length,
      policies: { count: 1, revision: 4 },
      fqdnCacheEntries: 2,
      log: { backend: 'kafka', brokers: ['127.0.0.1:9092'], lagEvents: 7 },
      components: [
        { name: 'datapath', state: 'ok' },
        { name: 'kafka', state: 'degraded', message: 'broker unreachable, spooling locally' },
      ],
    }),
    endpoints: () => endpointList,
    policies: async () => [{ kind: 'CiliumNetworkPolicy', namespace: 'shop', name: 'web-egress', revision: 4, selects: ['web'] }],
    fqdnCache: async () => [
      { endpoint: 'web', name: 'api.example.com.', ip: '192.0.2.10', expiresAt: new Date(now + 30_000).toISOString() },
      { endpoint: 'web', name: 'cdn.example.com.', ip: '2001:db8::10', expiresAt: new Date(now + 600_000).toISOString(), sourceEventId: 'dns-42' },
    ],
    mapFill: () => [
      { name: 'allowlist', entries: 250, capacity: 1000 },
      { name: 'conntrack', entries: 3, capacity: 65536 },
    ],
    counters: () => ({ ringLost: 5, undecodable: 1, logWriteLost: 3, logLagEvents: 7, dnsProxy: { requests: 12, refused: 2 } }),
    addEndpoint(spec: EndpointSpec) {
      if (endpointList.some((e) => e.name === spec.name)) throw new SluiceError('ERR_ENDPOINT_EXISTS', `endpoint ${spec.name} already exists`);
      if (spec.ifname === 'boom') throw new TypeError('provider bug');
      const view: EndpointView = { ...spec, id: endpointList.length + 1, policies: [] };
      endpointList.push(view);
      return view;
    },
    async removeEndpoint(name: string) {
      const i = endpointList.findIndex((e) => e.name === name);
      if (i === -1) throw new SluiceError('ERR_ENDPOINT_NOT_FOUND', `no endpoint named ${name}`);
      endpointList.splice(i, 1);
    },
  };
}
