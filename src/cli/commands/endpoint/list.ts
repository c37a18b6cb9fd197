// `sluice endpoint list`: one row per endpoint with where it lives and its addresses.
import { parseArgs } from 'node:util';
import type { EndpointView } from '../../../api/index.js';
import type { Command } from '../../command.js';
import { agentClient, agentOptions, formatTable, outputFormat, SOCKET_USAGE } from '../../agentFlags.js';

export function formatEndpoints(endpoints: EndpointView[]): string {
  if (endpoints.length === 0) return 'no endpoints\n';
  const labels = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',') || '-';
  return formatTable([
    ['NAME', 'NAMESPACE', 'ID', 'ATTACHED', 'IPV4', 'IPV6', 'LABELS', 'POLICIES'],
    ...endpoints.map((e) => [
      e.name,
      e.namespace,
      String(e.id),
      e.netns !== undefined ? `netns ${e.netns}` : `if ${e.ifname ?? '-'}`,
      e.ipv4 ?? '-',
      e.ipv6 ?? '-',
      labels(e.labels),
      e.policies.join(',') || '-',
    ]),
  ]);
}

const command: Command = {
  usage: ['usage: sluice endpoint list [--socket PATH] [-o text|json]', '', `  ${SOCKET_USAGE}`].join('\n'),
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: agentOptions });
    const output = outputFormat(values.output);
    const endpoints = await agentClient(values.socket).endpoints();
    if (output === 'json') process.stdout.write(`${JSON.stringify({ endpoints })}\n`);
    else process.stdout.write(formatEndpoints(endpoints));
    return 0;
  },
};
export default command;
