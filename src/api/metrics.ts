// The agent's metrics: what it counts and measures, defined once with names, labels and buckets.
// The agent calls the handles where things happen (a flow decoded, a DNS answer released, a batch
// published) and registers collectors for values it reads on demand (map fill, ring losses, log
// lag). Names follow Prometheus conventions: `_total` for counters, base units (seconds).
import { Counter } from './metrics/counter.js';
import { Gauge } from './metrics/gauge.js';
import { Histogram } from './metrics/histogram.js';
import { MetricsRegistry } from './metrics/registry.js';

/** 0.1 ms .. 2.5 s: a proxied DNS answer within the LAN is sub-millisecond, upstream ones are tens of ms. */
export const PROXY_LATENCY_BUCKETS_SEC = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** 10 µs .. 1 s: a map write is microseconds; anything near the proxy's hold bound (default 1 s) is trouble. */
export const ANSWER_TO_MAP_BUCKETS_SEC = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.25, 1];

export interface AgentMetrics {
  readonly registry: MetricsRegistry;
  /** One per flow event; drop_reason is '' for forwarded flows (e.g. 'POLICY_DENIED' otherwise). */
  readonly flows: Counter<'verdict' | 'drop_reason'>;
  /** One per DNS request the proxy handled: rcode as text (NOERROR, NXDOMAIN, REFUSED, SERVFAIL), verdict allowed|denied. */
  readonly dnsRequests: Counter<'rcode' | 'verdict'>;
  /** From the pod's query reaching the proxy to its answer leaving the proxy. */
  readonly proxyLatencySeconds: Histogram;
  /** From the upstream answer arriving to its addresses being in the endpoint's BPF allowlist. */
  readonly answerToMapSeconds: Histogram;
  readonly dnsAnswers: Counter<'path'>;
  /** Entries in a BPF map, by map name (set from a collector). */
  readonly mapEntries: Gauge<'map'>;
  /** max_entries of a BPF map, by map name. */
  readonly mapCapacity: Gauge<'map'>;
  /** Flow events the ring buffer had no room for: sync() with the kernel's ring_lost total. */
  readonly ringLost: Counter;
  /** Ring records the decoder refused. */
  readonly undecodable: Counter;
  /** Events the local log could not write (disk full, I/O error). */
  readonly logWriteLost: Counter;
  /** Events in the local log not yet forwarded to Kafka. */
  readonly logLagEvents: Gauge;
  /** Events published to the event log, by topic name. */
  readonly eventsPublished: Counter<'topic'>;
  /** Garbage-collection pauses of the agent's threads (main, dns-proxy), by V8 kind; and their time. */
  readonly gcPauses: Counter<'thread' | 'kind'>;
  readonly gcPauseSeconds: Counter<'thread' | 'kind'>;
  /** Metrics collectors that failed during a scrape (the scrape still answers). */
  readonly collectErrors: Counter;
}

export function createAgentMetrics(registry: MetricsRegistry = new MetricsRegistry()): AgentMetrics {
  return {
    registry,
    flows: registry.counter({ name: 'sluice_flows_total', help: 'Flow events by verdict and drop reason.', labelNames: ['verdict', 'drop_reason'] }),
    dnsRequests: registry.counter({ name: 'sluice_dns_requests_total', help: 'DNS requests handled by the proxy, by response code and policy verdict.', labelNames: ['rcode', 'verdict'] }),
    proxyLatencySeconds: registry.histogram({
      name: 'sluice_dns_proxy_latency_seconds',
      help: 'Time from a query reaching the DNS proxy to its answer leaving it.',
      buckets: PROXY_LATENCY_BUCKETS_SEC,
    }),
    answerToMapSeconds: registry.histogram({
      name: 'sluice_answer_to_map_latency_seconds',
      help: "Time from a held DNS answer arriving to its addresses being in the endpoint's BPF allowlist (answers already programmed are released at once and not observed here).",
      buckets: ANSWER_TO_MAP_BUCKETS_SEC,
    }),
    dnsAnswers: registry.counter({
      name: 'sluice_dns_answers_total',
      help: 'DNS answers with addresses, by path: held until the datapath was programmed, or released at once because it already was.',
      labelNames: ['path'],
    }),
    mapEntries: registry.gauge({ name: 'sluice_map_entries', help: 'Entries in a BPF map.', labelNames: ['map'] }),
    mapCapacity: registry.gauge({ name: 'sluice_map_capacity', help: 'Capacity (max_entries) of a BPF map.', labelNames: ['map'] }),
    ringLost: registry.counter({ name: 'sluice_ring_lost_events_total', help: 'Flow events lost because the BPF ring buffer was full.' }),
    undecodable: registry.counter({ name: 'sluice_undecodable_records_total', help: 'Ring buffer records the decoder could not read.' }),
    logWriteLost: registry.counter({ name: 'sluice_log_write_lost_events_total', help: 'Events the local log could not write (disk full or I/O error).' }),
    logLagEvents: registry.gauge({ name: 'sluice_log_lag_events', help: 'Events in the local log not yet forwarded to Kafka.' }),
    eventsPublished: registry.counter({ name: 'sluice_events_published_total', help: 'Events written to the event log, by topic.', labelNames: ['topic'] }),
    gcPauses: registry.counter({ name: 'sluice_gc_pauses_total', help: "Garbage-collection pauses of the agent's threads, by thread and V8 collection kind.", labelNames: ['thread', 'kind'] }),
    gcPauseSeconds: registry.counter({ name: 'sluice_gc_pause_seconds_total', help: "Time the agent's threads stood still for garbage collection, by thread and V8 collection kind.", labelNames: ['thread', 'kind'] }),
    collectErrors: registry.counter({ name: 'sluice_metrics_collect_errors_total', help: 'Metric collectors that failed during a scrape.' }),
  };
}
