// A policy-changes stream shaped like a busy node: mostly FQDN allow/expire churn from DNS
// answers, with endpoints and policies coming and going now and then.
import type { EventDraft } from '../log/envelope.js';
import { endpointAdded, endpointRemoved, fqdnAllowed, fqdnExpired, policyApplied } from '../log/events.js';
import { formatTimeMs } from '../log/time.js';

export function* syntheticPolicyEvents(count: number, startMs: number): Generator<EventDraft> {
  const names = Array.from({ length: 500 }, (_, i) => `svc${i}.example.com`);
  // Out of every 20 events, 10 allow an address and 10 expire one allowed 50 rounds earlier, so
  // the allowlist levels off (at about 500 entries) the way it does on a node.
  const tuple = (slot: number) => ({
    ep: 1 + (slot % 200), name: names[slot % names.length]!, ip: `203.0.${(slot >> 8) & 255}.${slot & 255}`,
  });
  for (let i = 0; i < count; i++) {
    const t = startMs + i * 0.01;
    const round = Math.floor(i / 20);
    const r = i % 20;
    const { ep, name, ip } = r < 10 ? tuple(round * 10 + r) : tuple(Math.max(0, round - 50) * 10 + (r - 10));
    if (r < 10) {
      yield fqdnAllowed({ endpointId: ep, name, ip, selector: '*.example.com', expiresAt: formatTimeMs(t + 60_000), ttlSec: 60,
        dnsEventId: `0190a1b2-c3d4-7e5f-8a9b-${String(i).padStart(12, '0')}` }, t);
    } else if (r < 19) { // r == 19 is the occasional endpoint or policy event, else one more expiry
      yield fqdnExpired({ endpointId: ep, name, ip, reason: 'ttl' }, null, t);
    } else if (i % 4000 === 19) {
      yield { ...endpointAdded({ id: ep, name: `pod-${ep}`, namespace: 'default', labels: { app: `a${ep % 7}` }, ipv4: `10.0.${ep >> 8}.${ep & 255}`, ipv6: null, ifname: `lxc${ep}` }), timeMs: t };
    } else if (i % 4000 === 39) {
      yield { ...policyApplied({ name: `p${i % 5}`, namespace: 'default', kind: 'CiliumNetworkPolicy', revision: i, document: { spec: { egress: [{ toFQDNs: [{ matchPattern: '*.example.com' }] }] } } }), timeMs: t };
    } else if (i % 4000 === 59) {
      yield { ...endpointRemoved({ id: ep }), timeMs: t };
    } else {
      yield fqdnExpired({ endpointId: ep, name, ip, reason: 'evicted' }, null, t);
    }
  }
}
