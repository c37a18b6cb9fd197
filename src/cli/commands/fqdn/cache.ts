// `sluice fqdn cache`: the agent's FQDN cache: which endpoint learned which address for which
// name, and when it expires.
import { parseArgs } from 'node:util';
import type { FqdnCacheEntryView } from '../../../api/index.js';
import type { Command } from '../../command.js';
import { agentClient, agentOptions, formatTable, outputFormat, relativeTime, SOCKET_USAGE } from '../../agentFlags.js';

export function formatFqdnCache(entries: FqdnCacheEntryView[], nowMs: number): string {
  if (entries.length === 0) return 'the FQDN cache is empty\n';
  const sorted = [...entries].sort((a, b) => a.endpoint.localeCompare(b.endpoint) || a.name.localeCompare(b.name) || a.ip.localeCompare(b.ip));
  return formatTable([
    ['ENDPOINT', 'NAME', 'IP', 'EXPIRES'],
    ...sorted.map((e) => [e.endpoint, e.name, e.ip, `${e.expiresAt} (${relativeTime(Date.parse(e.expiresAt), nowMs)})`]),
  ]);
}

const command: Command = {
  usage: [
    'usage: sluice fqdn cache [--endpoint NAME] [--socket PATH] [-o text|json]',
    '',
    '  --endpoint NAME only the entries of this endpoint',
    `  ${SOCKET_USAGE}`,
  ].join('\n'),
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { ...agentOptions, endpoint: { type: 'string' } } });
    const output = outputFormat(values.output);
    const all = await agentClient(values.socket).fqdnCache();
    const entries = values.endpoint === undefined ? all : all.filter((e) => e.endpoint === values.endpoint);
    if (output === 'json') process.stdout.write(`${JSON.stringify({ entries })}\n`);
    else process.stdout.write(formatFqdnCache(entries, Date.now()));
    return 0;
  },
};
export default command;
