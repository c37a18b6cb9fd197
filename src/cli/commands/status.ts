// `sluice status`: the agent's health at a glance: components, endpoints, policies, FQDN cache,
// map fill and everything lost or not yet delivered.
import { parseArgs } from 'node:util';
import type { CountersView, MapFillView, StatusView } from '../../api/index.js';
import type { Command } from '../command.js';
import { agentClient, agentOptions, formatTable, outputFormat, relativeTime, SOCKET_USAGE } from '../agentFlags.js';

export function formatStatus(status: StatusView, maps: MapFillView[], counters: CountersView, nowMs: number): string {
  const log = status.log;
  const where = log.backend === 'kafka' ? `kafka (${(log.brokers ?? []).join(', ')})` : `local (${log.localPath ?? '-'})`;
  const started = Date.parse(status.startedAt);
  const lines = [
    `node:        ${status.node}`,
    `version:     ${status.version}`,
    `started:     ${status.startedAt} (${relativeTime(started, nowMs)})`,
    `endpoints:   ${status.endpoints}`,
    `policies:    ${status.policies.count} (revision ${status.policies.revision})`,
    `fqdn cache:  ${status.fqdnCacheEntries} entries`,
    `log:         ${where}, ${log.lagEvents} events not yet forwarded`,
    `lost:        ring ${counters.ringLost}, undecodable ${counters.undecodable}, log writes ${counters.logWriteLost}`,
  ];
  const proxy = Object.entries(counters.dnsProxy);
  if (proxy.length > 0) lines.push(`dns proxy:   ${proxy.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  let text = `${lines.join('\n')}\n`;
  if (status.components.length > 0) {
    text += `\n${formatTable([['COMPONENT', 'STATE', 'MESSAGE'], ...status.components.map((c) => [c.name, c.state, c.message ?? ''])])}`;
  }
  if (maps.length > 0) {
    const pct = (m: MapFillView) => (m.capacity > 0 ? `${((100 * m.entries) / m.capacity).toFixed(1)}%` : '-');
    text += `\n${formatTable([['MAP', 'ENTRIES', 'CAPACITY', 'FILL'], ...maps.map((m) => [m.name, String(m.entries), String(m.capacity), pct(m)])])}`;
  }
  return text;
}

const command: Command = {
  usage: ['usage: sluice status [--socket PATH] [-o text|json]', '', `  ${SOCKET_USAGE}`, '  -o json         status, maps and counters as one JSON object'].join('\n'),
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: agentOptions });
    const output = outputFormat(values.output);
    const client = agentClient(values.socket);
    const [status, maps, counters] = await Promise.all([client.status(), client.mapFill(), client.counters()]);
    if (output === 'json') process.stdout.write(`${JSON.stringify({ status, maps, counters })}\n`);
    else process.stdout.write(formatStatus(status, maps, counters, Date.now()));
    return 0;
  },
};
export default command;
