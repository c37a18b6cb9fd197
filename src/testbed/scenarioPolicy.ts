// The egress policy tests, benchmarks and the fault runs give a pod: DNS to the world's resolver
// checked by name patterns, the names' addresses allowed on a port. One builder, so every scenario
// states only what differs (names, ports, an extra rule).
import { stringify } from 'yaml';
import { RESOLVER4, RESOLVER6 } from './resolver.js';

export type FqdnSelectorSpec = { matchName: string } | { matchPattern: string };

export interface ScenarioPolicyOptions {
  name: string;
  /** The pod label `app` the policy selects. */
  app: string;
  /** rules.dns matchPattern entries. */
  dnsPatterns: string[];
  /** The resolvers the pod may ask (default: the world resolver over IPv4 and IPv6). */
  resolvers?: string[];
  dnsProtocol?: 'ANY' | 'UDP' | 'TCP';
  fqdns: FqdnSelectorSpec[];
  /** Where the FQDN addresses are allowed (default TCP 80). */
  fqdnPorts?: { port: number; protocol: 'TCP' | 'UDP' | 'ANY' }[];
  /** More egress rules, as objects (e.g. `{ toCIDR: ['198.51.100.0/24'] }`). */
  extraEgress?: object[];
}

export function scenarioPolicy(o: ScenarioPolicyOptions): string {
  return stringify({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: o.name, namespace: 'default' },
    spec: {
      endpointSelector: { matchLabels: { app: o.app } },
      egress: [
        {
          toCIDR: o.resolvers ?? [`${RESOLVER4}/32`, `${RESOLVER6}/128`],
          toPorts: [{ ports: [{ port: '53', protocol: o.dnsProtocol ?? 'ANY' }], rules: { dns: o.dnsPatterns.map((p) => ({ matchPattern: p })) } }],
        },
        ...(o.extraEgress ?? []),
        {
          toFQDNs: o.fqdns,
          toPorts: [{ ports: (o.fqdnPorts ?? [{ port: 80, protocol: 'TCP' }]).map((p) => ({ port: String(p.port), protocol: p.protocol })) }],
        },
      ],
    },
  });
}
