// What the proxy is given (collaborators) and what it hands out (exchanges, events). Plain data,
// so the pipeline and the event log need nothing from the socket code.
import type { ExtractedAnswer } from './extractAnswer.js';

export type DnsTransport = 'UDP' | 'TCP';

/** Where the datapath says the client sent its query (the dns_nat map) and which endpoint it is. */
export interface DnsOrigin {
  endpointId: number;
  server: string;
  port: number;
}

/** undefined: the client is not an endpoint, so it is refused (the proxy is not an open resolver). */
export type LookupOrigin = (clientAddr: string, clientPort: number, transport: DnsTransport) => DnsOrigin | undefined;

/** The query as rules.dns sees it (the shape of src/policy's DnsQuery plus the type). */
export interface DnsQuestion {
  qname: string;
  qtype: string;
  server: string;
  port: number;
  protocol: DnsTransport;
}

export interface DnsDecision {
  allowed: boolean;
  /** The matchName/matchPattern (or YAML path) of the rule that decided; null for default deny. */
  rule: string | null;
  /** `namespace/name` of the deciding policy; null when none decided. */
  policy: string | null;
}

export type DecideDnsQuery = (endpointId: number, question: DnsQuestion) => DnsDecision;

/** One forwarded query and its upstream answer, held until `onAnswer` resolves. */
export interface DnsExchange {
  /** The id of the dns.response event this exchange will be logged as; the cause of fqdn.allowed. */
  dnsEventId: string;
  endpointId: number;
  client: { addr: string; port: number };
  question: DnsQuestion;
  decision: DnsDecision;
  answer: ExtractedAnswer;
  truncated: boolean;
  /** Epoch ms when the upstream answer arrived. */
  answeredAt: number;
}

/**
 * Must resolve once the answer's addresses are in the datapath; the answer is released after.
 * Returning undefined says they are there already (nothing to write), so no wait is set up.
 */
export type OnAnswer = (exchange: DnsExchange) => Promise<void> | undefined;

export type DnsRefusalReason = 'policy' | 'unknown-client' | 'overload';

export interface DnsEventData {
  endpointId: number | null;
  client: string;
  transport: DnsTransport;
  query: string;
  qtype: string;
  /** The rcode the client got (requests that were forwarded carry NOERROR). */
  rcode: string;
  answers: { name: string; type: string; ttl: number; data: string }[];
  verdict: 'allowed' | 'denied';
  /** Why a query was refused without a policy decision, or why an answer was replaced. */
  reason: DnsRefusalReason | 'upstream-timeout' | 'upstream-error' | 'answer-held' | null;
  policy: string | null;
  rule: string | null;
  /** The original resolver, `ip:port`. */
  server: string | null;
  /** From the query's arrival to the reply (responses: includes the allowlist write). */
  proxyLatencyUs: number;
  /** The SluiceError code behind a SERVFAIL, if any. */
  error: string | null;
}

/** Shaped like src/log's drafts (type, data, causeId, timeMs), plus the id the proxy assigned. */
export interface DnsEvent {
  type: 'dns.request' | 'dns.response';
  id: string;
  causeId: string | null;
  timeMs: number;
  data: DnsEventData;
}

export type DnsEventSink = (event: DnsEvent) => void;

export interface DnsProxyCounters {
  received: number;
  malformed: number;
  refusedUnknownClient: number;
  refusedOverload: number;
  denied: number;
  forwarded: number;
  answered: number;
  servfail: number;
  upstreamTimeouts: number;
  answersHeldTooLong: number;
  programmingFailures: number;
  /** Upstream messages discarded: wrong source, id or question. */
  spoofed: number;
  tcpConnections: number;
  /** UDP datagrams (replies or forwarded queries) the kernel refused to send. */
  sendFailures: number;
}
