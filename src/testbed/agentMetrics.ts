// The agent's Prometheus endpoint as tests and benchmarks read it: scraped from inside the node
// namespace (where the agent listens), and single counters picked out of the text.
import { inNetns } from './run.js';

/** The metrics text the agent serves on `address` (host:port) inside the namespace `node`. */
export function scrapeAgentMetrics(node: string, address: string): string {
  return inNetns(node, 'curl', ['-sf', `http://${address}/metrics`]);
}

/** sluice_dns_answers_total{path=...}: answers released by the proxy thread at once, or held for a map write. */
export function dnsAnswersTotal(node: string, address: string, path: 'held' | 'released'): number {
  const m = new RegExp(`^sluice_dns_answers_total\\{path="${path}"\\} (\\d+)`, 'm').exec(scrapeAgentMetrics(node, address));
  return Number(m?.[1] ?? 0);
}
