// `sluice endpoint add`: asks the running agent to enforce policy on one more endpoint. The body
// is validated here with the agent's own rules first, so a typo is reported without a round trip.
import { parseArgs } from 'node:util';
import { readEndpointSpec } from '../../../api/index.js';
import type { Command } from '../../command.js';
import { agentClient, agentOptions, outputFormat, SOCKET_USAGE } from '../../agentFlags.js';
import { parseLabels } from './parseLabels.js';

const command: Command = {
  usage: [
    'usage: sluice endpoint add --name NAME [--namespace NS] [--labels K=V,...] (--netns NETNS | --ifname IF)',
    '                           [--ipv4 ADDR] [--ipv6 ADDR] [--socket PATH] [-o text|json]',
    '',
    '  --netns NETNS   a named network namespace (/var/run/netns/NETNS) or a path to one',
    '  --ifname IF     the host-side interface of the endpoint',
    '  --namespace NS  the policy namespace of the endpoint (default: default)',
    `  ${SOCKET_USAGE}`,
  ].join('\n'),
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...agentOptions,
        name: { type: 'string' },
        namespace: { type: 'string' },
        labels: { type: 'string' },
        netns: { type: 'string' },
        ifname: { type: 'string' },
        ipv4: { type: 'string' },
        ipv6: { type: 'string' },
      },
    });
    const output = outputFormat(values.output);
    const spec = readEndpointSpec({
      name: values.name,
      namespace: values.namespace,
      labels: values.labels === undefined ? {} : parseLabels(values.labels),
      netns: values.netns,
      ifname: values.ifname,
      ipv4: values.ipv4,
      ipv6: values.ipv6,
    });
    const endpoint = await agentClient(values.socket).addEndpoint(spec);
    if (output === 'json') process.stdout.write(`${JSON.stringify({ endpoint })}\n`);
    else process.stdout.write(`endpoint ${endpoint.namespace}/${endpoint.name} added (id ${endpoint.id})\n`);
    return 0;
  },
};
export default command;
