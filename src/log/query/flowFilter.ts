// hubble observe's filter flags over HubbleFlowRecords. Flags of one kind OR together; different
// kinds AND, as in hubble.
import { SluiceError } from '../../errors.js';
import type { HubbleEndpoint, HubbleFlowRecord } from '../hubble/types.js';

export interface FlowFilterSpec {
  verdicts?: string[];
  fromPods?: string[];
  toPods?: string[];
  toFqdns?: string[];
  protocols?: string[];
  /** l3/l4 (alias trace, drop) or l7/dns. */
  types?: string[];
}

export type FlowPredicate = (r: HubbleFlowRecord) => boolean;

/** `[namespace/]prefix`, namespace defaulting to `default`, as hubble's --from-pod. */
function podMatcher(spec: string): (ep: HubbleEndpoint | undefined) => boolean {
  const [ns, prefix] = spec.includes('/') ? spec.split('/', 2) as [string, string] : ['default', spec];
  return (ep) => ep?.namespace === ns && (ep.pod_name ?? '').startsWith(prefix);
}

/** hubble's FQDN pattern: `*` matches within a label run, anchored, case-insensitive, one trailing dot ignored. */
function fqdnMatcher(pattern: string): (name: string) => boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const re = new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[-a-z0-9_.]*')}$`);
  return (name) => re.test(name.toLowerCase().replace(/\.$/, ''));
}

function protocolOf(r: HubbleFlowRecord): string[] {
  const f = r.flow;
  if (f.l7?.dns) return ['dns', 'udp'];
  const l4 = f.l4 ?? {};
  if ('TCP' in l4) return ['tcp'];
  if ('UDP' in l4) return ['udp'];
  if ('ICMPv4' in l4) return ['icmp', 'icmpv4'];
  if ('ICMPv6' in l4) return ['icmp', 'icmpv6'];
  return [];
}

const typeNames: Record<string, (r: HubbleFlowRecord) => boolean> = {
  'l3/l4': (r) => r.flow.Type === 'L3_L4',
  l34: (r) => r.flow.Type === 'L3_L4',
  trace: (r) => r.flow.event_type.type === 4,
  drop: (r) => r.flow.event_type.type === 1,
  l7: (r) => r.flow.Type === 'L7',
  'l7/dns': (r) => r.flow.l7?.dns !== undefined,
  dns: (r) => r.flow.l7?.dns !== undefined,
};

export function compileFlowFilter(spec: FlowFilterSpec): FlowPredicate {
  const tests: FlowPredicate[] = [];
  if (spec.verdicts?.length) {
    const set = new Set(spec.verdicts.map((v) => v.toUpperCase()));
    tests.push((r) => set.has(r.flow.verdict));
  }
  if (spec.fromPods?.length) {
    const ms = spec.fromPods.map(podMatcher);
    tests.push((r) => ms.some((m) => m(r.flow.source)));
  }
  if (spec.toPods?.length) {
    const ms = spec.toPods.map(podMatcher);
    tests.push((r) => ms.some((m) => m(r.flow.destination)));
  }
  if (spec.toFqdns?.length) {
    const ms = spec.toFqdns.map(fqdnMatcher);
    tests.push((r) => (r.flow.destination_names ?? []).some((n) => ms.some((m) => m(n))));
  }
  if (spec.protocols?.length) {
    const set = new Set(spec.protocols.map((p) => p.toLowerCase()));
    tests.push((r) => protocolOf(r).some((p) => set.has(p)));
  }
  if (spec.types?.length) {
    const ts = spec.types.map((t) => {
      const fn = typeNames[t.toLowerCase()];
      if (!fn) throw new SluiceError('ERR_CONFIG', `--type ${t}: expected one of ${Object.keys(typeNames).join(', ')}`);
      return fn;
    });
    tests.push((r) => ts.some((t) => t(r)));
  }
  return (r) => tests.every((t) => t(r));
}
