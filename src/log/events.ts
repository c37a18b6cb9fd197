// The event types on the dns and policy-changes topics: their data and one constructor each.
// Producers (the DNS proxy, the pipeline, `sluice policy apply`) build a draft here and hand it
// to EventLog.publish, which stamps and stores it. streams/schemas/ holds the JSON Schemas.
import type { EventDraft } from './envelope.js';
import type { TopicKind } from './topics.js';

export type Labels = Record<string, string>;

export interface PolicyAppliedData {
  name: string;
  namespace: string;
  /** CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy. */
  kind: string;
  revision: number;
  /** The policy as applied (parsed YAML/JSON), so replay can rebuild it without the source file. */
  document: unknown;
}
export interface PolicyDeletedData { name: string; namespace: string; revision: number }
export interface EndpointAddedData {
  id: number;
  name: string;
  namespace: string;
  labels: Labels;
  ipv4: string | null;
  ipv6: string | null;
  ifname: string;
}
export interface EndpointRemovedData { id: number }
export interface FqdnAllowedData {
  endpointId: number;
  /** The DNS name, lowercase, without the trailing dot. */
  name: string;
  ip: string;
  /** The toFQDNs selector that matched (matchName or matchPattern text). */
  selector: string;
  /** RFC3339: time of the answer + ttlSec. */
  expiresAt: string;
  ttlSec: number;
  /** The dns.response event whose answer allowed the address. */
  dnsEventId: string;
}
export type FqdnExpiryReason = 'ttl' | 'evicted' | 'endpoint-removed' | 'policy-removed';
export interface FqdnExpiredData { endpointId: number; name: string; ip: string; reason: FqdnExpiryReason }
export interface MapResyncData {
  /** The pinned BPF map that was reconciled, e.g. `sluice_allow4`. */
  map: string;
  /** Entries written because the state had them and the map did not. */
  added: number;
  /** Entries deleted because the map had them and the state did not. */
  removed: number;
  /** Entries present on both sides. */
  kept: number;
  reason: 'startup' | 'periodic' | 'manual';
}

export interface DnsAnswer { name: string; type: string; ttl: number; data: string }
export interface DnsEventData {
  endpoint: { id: number; name: string; namespace: string };
  query: string;
  qtype: string;
  /** DNS rcode name (NOERROR, NXDOMAIN, REFUSED...). Requests carry NOERROR. */
  rcode: string;
  answers: DnsAnswer[];
  verdict: 'allowed' | 'denied';
  /** `namespace/name` of the policy whose DNS rule decided, or null for default deny. */
  policy: string | null;
  /** The matchName/matchPattern of the DNS rule that decided, or null. */
  rule: string | null;
  /** Upstream resolver `ip:port`. */
  server: string;
  /** Time the proxy held the message (responses: until the allowlist was written). */
  proxyLatencyUs: number;
}

export interface EventDataByType {
  'policy.applied': PolicyAppliedData;
  'policy.deleted': PolicyDeletedData;
  'endpoint.added': EndpointAddedData;
  'endpoint.removed': EndpointRemovedData;
  'fqdn.allowed': FqdnAllowedData;
  'fqdn.expired': FqdnExpiredData;
  'map.resync': MapResyncData;
  'dns.request': DnsEventData;
  'dns.response': DnsEventData;
}
export type EventType = keyof EventDataByType;
export type PolicyChangeType = Exclude<EventType, 'dns.request' | 'dns.response'>;
export type DnsEventType = 'dns.request' | 'dns.response';

export const eventTopic: Record<EventType, Exclude<TopicKind, 'flows'>> = {
  'policy.applied': 'policy-changes',
  'policy.deleted': 'policy-changes',
  'endpoint.added': 'policy-changes',
  'endpoint.removed': 'policy-changes',
  'fqdn.allowed': 'policy-changes',
  'fqdn.expired': 'policy-changes',
  'map.resync': 'policy-changes',
  'dns.request': 'dns',
  'dns.response': 'dns',
};
export const eventTypes = Object.keys(eventTopic) as EventType[];

/**
 * The Kafka key: the endpoint the event is about, so that one endpoint's events stay in order on
 * one partition. Events about no endpoint (policies, map resyncs) share the key `-`.
 */
export function eventKey(type: EventType, data: EventDataByType[EventType]): string {
  switch (type) {
    case 'endpoint.added':
    case 'endpoint.removed':
      return String((data as EndpointRemovedData).id);
    case 'fqdn.allowed':
    case 'fqdn.expired':
      return String((data as FqdnExpiredData).endpointId);
    case 'dns.request':
    case 'dns.response':
      return String((data as DnsEventData).endpoint.id);
    default:
      return '-';
  }
}

type Draft<T extends keyof EventDataByType> = EventDraft<T>;
const draft = <T extends EventType>(type: T, data: EventDataByType[T], causeId?: string | null, timeMs?: number): Draft<T> =>
  ({ type, data, causeId: causeId ?? null, ...(timeMs === undefined ? {} : { timeMs }) });

export const policyApplied = (data: PolicyAppliedData, causeId?: string | null) => draft('policy.applied', data, causeId);
export const policyDeleted = (data: PolicyDeletedData, causeId?: string | null) => draft('policy.deleted', data, causeId);
export const endpointAdded = (data: EndpointAddedData) => draft('endpoint.added', data);
export const endpointRemoved = (data: EndpointRemovedData) => draft('endpoint.removed', data);
/** `dnsEventId` is also the cause: the answer is why the address was allowed. */
export const fqdnAllowed = (data: FqdnAllowedData, timeMs?: number) => draft('fqdn.allowed', data, data.dnsEventId, timeMs);
export const fqdnExpired = (data: FqdnExpiredData, causeId?: string | null, timeMs?: number) =>
  draft('fqdn.expired', data, causeId, timeMs);
export const mapResync = (data: MapResyncData) => draft('map.resync', data);
export const dnsRequest = (data: DnsEventData, timeMs?: number) => draft('dns.request', data, null, timeMs);
/** `requestId` is the dns.request event this answers. */
export const dnsResponse = (data: DnsEventData, requestId: string | null, timeMs?: number) =>
  draft('dns.response', data, requestId, timeMs);
