import { afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors.js';
import { createAgentMetrics } from './metrics.js';
import { parseListenAddress, startMetricsServer, type MetricsServer } from './metricsServer.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('api > metrics > agent metrics', () => {
  it('defines every metric the agent feeds, prefixed sluice_', () => {
    const m = createAgentMetrics();
    const types = [...m.registry.expose().matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => `${x[1]} ${x[2]}`);
    expect(types).toEqual([
      'sluice_flows_total counter',
      'sluice_dns_requests_total counter',
      'sluice_dns_proxy_latency_seconds histogram',
      'sluice_answer_to_map_latency_seconds histogram',
      'sluice_dns_answers_total counter',
      'sluice_map_entries gauge',
      'sluice_map_capacity gauge',
      'sluice_ring_lost_events_total counter',
      'sluice_undecodable_records_total counter',
      'sluice_log_write_lost_events_total counter',
      'sluice_log_lag_events gauge',
      'sluice_events_published_total counter',
      'sluice_gc_pauses_total counter',
      'sluice_gc_pause_seconds_total counter',
      'sluice_metrics_collect_errors_total counter',
    ]);
  });

  it('serves /metrics over HTTP after running collectors, and counts collector failures', async () => {
    const m = createAgentMetrics();
    m.flows.inc({ verdict: 'dropped', drop_reason: 'POLICY_DENIED' });
    m.dnsRequests.inc({ rcode: 'REFUSED', verdict: 'denied' });
    m.proxyLatencySeconds.observe(0.0003);
    m.eventsPublished.inc({ topic: 'sluice.flows' }, 5);
    m.registry.onCollect(() => {
      m.mapEntries.set({ map: 'allowlist' }, 250);
      m.mapCapacity.set({ map: 'allowlist' }, 1000);
      m.ringLost.sync(3);
    });
    m.registry.onCollect(() => {
      throw new Error('kafka admin down');
    });
    const seen: unknown[] = [];
    const server = await startMetricsServer({ registry: m.registry, address: '127.0.0.1:0', collectErrors: m.collectErrors, onError: (e) => seen.push(e) });
    servers.push(server);
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);

    const res = await fetch(`http://${server.address}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    for (const line of [
      'sluice_flows_total{verdict="dropped",drop_reason="POLICY_DENIED"} 1',
      'sluice_dns_requests_total{rcode="REFUSED",verdict="denied"} 1',
      'sluice_dns_proxy_latency_seconds_bucket{le="0.0005"} 1',
      'sluice_dns_proxy_latency_seconds_bucket{le="0.00025"} 0',
      'sluice_dns_proxy_latency_seconds_count 1',
      'sluice_map_entries{map="allowlist"} 250',
      'sluice_map_capacity{map="allowlist"} 1000',
      'sluice_ring_lost_events_total 3',
      'sluice_events_published_total{topic="sluice.flows"} 5',
      'sluice_metrics_collect_errors_total 1',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(seen.map((e) => (e as Error).message)).toEqual(['kafka admin down']);
    expect((await fetch(`http://${server.address}/other`)).status).toBe(404);
    expect((await fetch(`http://${server.address}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('reports a busy port with what to do', async () => {
    const first = await startMetricsServer({ registry: createAgentMetrics().registry, address: '127.0.0.1:0' });
    servers.push(first);
    const err = await startMetricsServer({ registry: createAgentMetrics().registry, address: first.address }).catch((e: unknown) => e);
    expect(isSluiceError(err, 'ERR_METRICS')).toBe(true);
    expect((err as Error).message).toBe(`listen ${first.address}: address in use (another agent? set a different metrics address)`);
  });

  it('parses listen addresses', () => {
    expect(parseListenAddress('127.0.0.1:9963')).toEqual({ host: '127.0.0.1', port: 9963 });
    expect(parseListenAddress('[::1]:9963')).toEqual({ host: '::1', port: 9963 });
    expect(parseListenAddress(':9963')).toEqual({ host: '0.0.0.0', port: 9963 });
    for (const bad of ['9963', 'localhost', '1.2.3.4:70000', '::1:9963']) {
      expect(() => parseListenAddress(bad)).toThrow(/expected HOST:PORT/);
    }
  });
});
