// What the agent's local API carries: plain JSON-able views of the agent's state, and the provider
// the agent implements to serve them. The server (server.ts) and the client (client.ts) share
// these types, so the CLI reads exactly what the agent writes.

/** A value or a promise of it: the agent may answer from memory or after reading a BPF map. */
export type MaybePromise<T> = T | Promise<T>;

export interface ComponentHealth {
  /** e.g. 'datapath', 'dns-proxy', 'log', 'kafka', 'policy-watch'. */
  name: string;
  state: 'ok' | 'degraded' | 'failed';
  /** Why it is not ok, or a short note (the Kafka broker list, the proxy port). */
  message?: string;
}

export interface StatusView {
  node: string;
  version: string;
  /** ISO 8601. */
  startedAt: string;
  endpoints: number;
  policies: { count: number; revision: number };
  fqdnCacheEntries: number;
  log: { backend: 'local' | 'kafka'; localPath?: string; brokers?: string[]; lagEvents: number };
  components: ComponentHealth[];
}

/** What `POST /v1/endpoints` takes: exactly one of netns and ifname. */
export interface EndpointSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** A named network namespace (/var/run/netns/NAME) whose veth peer the agent attaches to. */
  netns?: string;
  /** The host-side interface of the endpoint, when the agent should not look it up through netns. */
  ifname?: string;
  ipv4?: string;
  ipv6?: string;
}

export interface EndpointView extends EndpointSpec {
  /** The numeric endpoint id used as the key prefix of the datapath maps. */
  id: number;
  /** Names (namespace/name) of the applied policies that select this endpoint. */
  policies: string[];
}

export interface PolicyView {
  kind: string;
  namespace: string | null;
  name: string;
  revision: number;
  source?: string;
  /** Endpoint names the policy selects. */
  selects: string[];
}

export interface FqdnCacheEntryView {
  endpoint: string;
  name: string;
  ip: string;
  /** ISO 8601; an entry kept past its TTL because a connection still uses it shows its TTL expiry. */
  expiresAt: string;
  /** The dns event whose answer put it there, when the agent knows it. */
  sourceEventId?: string;
}

export interface MapFillView {
  name: string;
  entries: number;
  capacity: number;
}

/** Everything that was lost or not yet delivered: "nothing is dropped silently" (DESIGN.md). */
export interface CountersView {
  /** Events the BPF ring buffer had no room for (kernel counter ring_lost). */
  ringLost: number;
  /** Ring records the decoder refused (short, unknown version). */
  undecodable: number;
  /** Events the local log could not write (disk full, I/O error): counted, never silently gone. */
  logWriteLost: number;
  /** Events in the local log not yet forwarded to Kafka (0 without Kafka). */
  logLagEvents: number;
  /** The transparent DNS proxy's counters by name (requests, refused, upstream errors, ...). */
  dnsProxy: Record<string, number>;
}

/**
 * The agent implements this; src/api/server.ts serves it. Reads return views; addEndpoint and
 * removeEndpoint throw (or reject with) a SluiceError, whose code picks the HTTP status
 * (httpStatus.ts): ERR_CONFIG 400, ERR_ENDPOINT_NOT_FOUND 404, ERR_ENDPOINT_EXISTS 409.
 */
export interface AgentApiProvider {
  status(): MaybePromise<StatusView>;
  endpoints(): MaybePromise<EndpointView[]>;
  policies(): MaybePromise<PolicyView[]>;
  fqdnCache(): MaybePromise<FqdnCacheEntryView[]>;
  mapFill(): MaybePromise<MapFillView[]>;
  counters(): MaybePromise<CountersView>;
  addEndpoint(spec: EndpointSpec): MaybePromise<EndpointView>;
  removeEndpoint(name: string): MaybePromise<void>;
}

/** The body of every non-2xx answer. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}
