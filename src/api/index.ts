// src/api: the agent's local API and its Prometheus metrics.
//
// In:  an AgentApiProvider (the agent's views of status, endpoints, policies, FQDN cache, map fill
//      and lost-event counters, plus add/remove endpoint), and the agent's measurements through the
//      AgentMetrics handles (flows, DNS requests, latencies, map fill, ring losses, log lag).
// Out: HTTP/1.1 + JSON on a root-only unix socket (/run/sluice/agent.sock) for the CLI (ApiClient),
//      and GET /metrics in the Prometheus text format on 127.0.0.1:9963.
export type {
  AgentApiProvider,
  ApiErrorBody,
  ComponentHealth,
  CountersView,
  EndpointSpec,
  EndpointView,
  FqdnCacheEntryView,
  MapFillView,
  MaybePromise,
  PolicyView,
  StatusView,
} from './types.js';
export { DEFAULT_API_SOCKET, DEFAULT_METRICS_ADDRESS, resolveSocketPath } from './defaults.js';
export { readEndpointSpec } from './endpointSpec.js';
export { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
export { probeSocket, type SocketProbe } from './socketGuard.js';
export { callApi, createApiClient, type ApiClient, type ApiClientOptions } from './client.js';
export { createAgentMetrics, ANSWER_TO_MAP_BUCKETS_SEC, PROXY_LATENCY_BUCKETS_SEC, type AgentMetrics } from './metrics.js';
export { startMetricsServer, parseListenAddress, type MetricsServer, type MetricsServerOptions } from './metricsServer.js';
export { MetricsRegistry, type CollectFn } from './metrics/registry.js';
export { Counter } from './metrics/counter.js';
export { Gauge } from './metrics/gauge.js';
export { Histogram } from './metrics/histogram.js';
