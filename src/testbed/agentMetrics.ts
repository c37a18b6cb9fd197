// The agent's Prometheus endpoint as tests and benchmarks read it: scraped from inside the node
// namespace (where the agent listens), and single counters picked out of the text.
import { inNetns } from './run.js';

/** The metrics text the agent serves on `address` (host:port) inside the namespace `node`. */
export function scrapeAgentMetrics(node: string, address: string): string {
  return inNetns(node, 'curl', ['-sf', `http://${address}/metrics`]);
}

/** One sample's value from metrics text: `labels` spelled as exposed (e.g. 'path="held"'); undefined when absent. */
export function metricSample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(labels === '' ? `${name} ` : `${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** sluice_dns_answers_total{path=...}: answers released by the proxy thread at once, or held for a map write. */
export function dnsAnswersTotal(node: string, address: string, path: 'held' | 'released'): number {
  return metricSample(scrapeAgentMetrics(node, address), 'sluice_dns_answers_total', `path="${path}"`) ?? 0;
}
